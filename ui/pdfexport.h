#pragma once

#include <QString>

namespace agency::ui {

/// Typesets `markdown` (a conversation export, tool calls included) into an A4 PDF at `path`
/// through QTextDocument and QPdfWriter, quotes and tables styled as in the thread, on white.
/// `title` is the PDF's document title (what viewers show; empty: the file's name). Returns a
/// readable error, empty on success.
QString writePdf(const QString &path, const QString &markdown, const QString &title = {});

} // namespace agency::ui
