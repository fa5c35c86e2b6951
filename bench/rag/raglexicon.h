#pragma once

#include <QList>
#include <QStringList>

namespace agency::bench {

/// The benchmark corpus's concepts: per line, the usual form, its inflections, then synonyms and
/// reworded phrases (raglexicon.cpp).
const QList<QStringList> &ragLexicon();

} // namespace agency::bench
