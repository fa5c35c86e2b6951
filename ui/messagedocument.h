#pragma once

#include "threadmodel.h"

#include <QPalette>
#include <QTextDocument>
#include <QTextFormat>

#include <memory>

namespace agency::ui {

/// Block property marking a tool-call line; its value is the tool's index in ThreadItem::tools.
constexpr int kToolBlockProperty = QTextFormat::UserProperty + 1;

/// Builds the document that renders one thread item: user text as typed, assistant text as
/// GitHub-flavoured Markdown (code blocks monospace on a shaded background), then one compact
/// line per tool call (name, arguments, ok/error) and, when expanded, each full JSON result.
std::unique_ptr<QTextDocument> buildMessageDocument(const ThreadItem &item, const QPalette &palette,
                                                    const QFont &font);

/// `markdown` rendered like assistant text (code blocks styled) without tool lines: a stretch of a
/// reply that is still streaming.
std::unique_ptr<QTextDocument> buildMarkdownDocument(const QString &markdown, const QPalette &palette,
                                                     const QFont &font);

/// Gives Markdown's blockquotes and tables (as QTextDocument imports them) a look of their own:
/// a quote is indented, muted and italic, apart from a list above it (the thread draws a bar
/// beside it: quoteBarX); a table has single hairline borders, roomy cells and a shaded header.
void styleQuotesAndTables(QTextDocument &document, const QPalette &palette);

/// Where the bar beside a quote block goes: the x of its left edge (0: not a quote block).
qreal quoteBarX(const QTextBlock &block);

/// Whether a block is part of a code block (fenced Markdown code or an expanded tool result).
bool isCodeBlock(const QTextBlock &block);

/// The text of the code block containing `position`, or of the first code block when `position`
/// is outside every code block; empty when the document has none.
QString codeBlockText(const QTextDocument &document, int position);

/// The message as plain text for the clipboard (Markdown source for assistant text).
QString messageClipboardText(const ThreadItem &item);

/// "get_weather(location: "Paris")": a call's arguments, compact.
QString toolCallSummary(const core::ToolCall &call);

/// Blends `b` into `a` (0 = a, 1 = b).
QColor mixColors(const QColor &a, const QColor &b, double amount);

} // namespace agency::ui
