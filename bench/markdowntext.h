#pragma once

#include <QStringList>

namespace agency::bench {

/// A long assistant answer in GitHub Markdown, as the pieces (about one token each: a word and
/// its space, or a line break) a provider would stream: headings, paragraphs, bullet lists,
/// fenced code blocks and tables, so rendering it costs what a real answer costs. Deterministic
/// for a given seed. Joining the pieces gives the answer.
QStringList markdownTokens(int tokens, quint32 seed = 1);

} // namespace agency::bench
