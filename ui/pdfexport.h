#pragma once

#include <QString>

namespace agency::ui {

/// Typesets `markdown` (a conversation export, tool calls included) into an A4 PDF at `path`
/// through QTextDocument and QPdfWriter. Returns a readable error, empty on success.
QString writePdf(const QString &path, const QString &markdown);

} // namespace agency::ui
