#pragma once

#include "core/document.h"

#include <QJsonObject>
#include <QList>

namespace agency::flows {

/// The passages an answer cites: every [n] (also [1, 2] and [1][2]) of `answer` that numbers a
/// hit of one of `toolResults` (search_documents payloads: {"hits": [{"citation": n, …}]}), in
/// order of first mention, each once. Numbers that match no hit are left out: a model may write
/// [3] when it saw two passages, and a citation must point at a real passage.
QList<core::Citation> resolveCitations(const QString &answer, const QList<QJsonObject> &toolResults);

} // namespace agency::flows
