#include "messagedocument.h"

#include "core/citationjson.h"
#include "documents/citationlinks.h"

#include <QFontDatabase>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextFrame>
#include <QTextTable>

namespace agency::ui {

QColor mixColors(const QColor &a, const QColor &b, double amount)
{
    auto mix = [amount](int x, int y) { return static_cast<int>(x + (y - x) * amount); };
    return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()));
}

bool isCodeBlock(const QTextBlock &block)
{
    const QTextBlockFormat format = block.blockFormat();
    return format.hasProperty(QTextFormat::BlockCodeFence) ||
           format.hasProperty(QTextFormat::BlockCodeLanguage) || block.charFormat().fontFixedPitch() ||
           format.nonBreakableLines();
}

namespace {
constexpr qreal kQuoteIndent = 18; // per quote level; the bar sits in the first 4 px of it

void styleTables(QTextFrame *frame, const QPalette &palette)
{
    const QList<QTextFrame *> children = frame->childFrames();
    for (QTextFrame *child : children) {
        styleTables(child, palette);
        auto *table = qobject_cast<QTextTable *>(child);
        if (!table)
            continue;
        QTextTableFormat format = table->format();
        format.setBorderCollapse(true); // one hairline between cells, not two raised frames
        format.setBorder(1);
        format.setBorderStyle(QTextFrameFormat::BorderStyle_Solid);
        format.setBorderBrush(mixColors(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.25));
        format.setCellSpacing(0);
        format.setCellPadding(6);
        format.setTopMargin(6);
        format.setBottomMargin(6);
        format.setHeaderRowCount(1);
        table->setFormat(format);
        const QColor header = mixColors(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.08);
        QTextBlockFormat flush; // the padding spaces a cell; a paragraph margin would sink one text
        flush.setTopMargin(0);
        flush.setBottomMargin(0);
        for (int row = 0; row < table->rows(); ++row) {
            for (int column = 0; column < table->columns(); ++column) {
                QTextTableCell cell = table->cellAt(row, column);
                // Markdown import can leave an empty paragraph before a cell's text (the first
                // header cell): it would sink that text a line below its neighbours.
                QTextCursor text = cell.firstCursorPosition();
                text.setPosition(cell.lastCursorPosition().position(), QTextCursor::KeepAnchor);
                text.mergeBlockFormat(flush);
                QTextCursor first = cell.firstCursorPosition();
                if (first.block().text().isEmpty() &&
                    first.block().next().position() <= cell.lastCursorPosition().position()) {
                    QTextBlockFormat none =
                        first.blockFormat(); // kept (the text stays as imported), not shown
                    none.setLineHeight(0, QTextBlockFormat::FixedHeight);
                    first.setBlockFormat(none);
                }
                if (row > 0)
                    continue;
                QTextCharFormat bold;
                bold.setFontWeight(QFont::Bold);
                text.mergeCharFormat(bold);
                QTextCharFormat cellFormat = cell.format();
                cellFormat.setBackground(header);
                cell.setFormat(cellFormat);
            }
        }
    }
}
} // namespace

void styleQuotesAndTables(QTextDocument &document, const QPalette &palette)
{
    const QColor muted = mixColors(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.3);
    QTextCursor cursor(&document);
    for (QTextBlock block = document.begin(); block.isValid(); block = block.next()) {
        const int level = block.blockFormat().intProperty(QTextFormat::BlockQuoteLevel);
        if (level <= 0)
            continue;
        QTextBlockFormat format = block.blockFormat();
        format.setLeftMargin(kQuoteIndent * level);
        format.setRightMargin(kQuoteIndent);
        const bool firstOfQuote =
            block.previous().blockFormat().intProperty(QTextFormat::BlockQuoteLevel) == 0;
        if (firstOfQuote)
            format.setTopMargin(std::max<qreal>(format.topMargin(), 8));
        cursor.setPosition(block.position());
        cursor.setBlockFormat(format);
        cursor.setPosition(block.position() + block.length() - 1, QTextCursor::KeepAnchor);
        QTextCharFormat chars;
        chars.setForeground(muted);
        chars.setFontItalic(true);
        cursor.mergeCharFormat(chars);
    }
    styleTables(document.rootFrame(), palette);
}

qreal quoteBarX(const QTextBlock &block)
{
    const int level = block.blockFormat().intProperty(QTextFormat::BlockQuoteLevel);
    return level > 0 ? kQuoteIndent * (level - 1) + 2 : 0;
}

QString toolCallSummary(const core::ToolCall &call)
{
    const QJsonObject args = QJsonDocument::fromJson(call.arguments.toUtf8()).object();
    QStringList parts;
    for (auto it = args.begin(); it != args.end(); ++it) {
        const QJsonValue v = it.value();
        const QString shown =
            v.isString() ? QLatin1Char('"') + v.toString() + QLatin1Char('"')
                         : QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact))
                               .mid(1)
                               .chopped(1);
        parts.append(it.key() + QStringLiteral(": ") + shown);
    }
    if (args.isEmpty() && !call.arguments.trimmed().isEmpty() &&
        call.arguments.trimmed() != QStringLiteral("{}"))
        parts.append(call.arguments.left(120));
    return call.name + QLatin1Char('(') + parts.join(QStringLiteral(", ")) + QLatin1Char(')');
}

namespace {

QString prettyJson(const QString &text)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(text.toUtf8(), &error);
    if (error.error != QJsonParseError::NoError)
        return text;
    return QString::fromUtf8(doc.toJson(QJsonDocument::Indented)).trimmed();
}

/// Shades and indents code blocks: Markdown import marks them but gives them no background.
void styleCodeBlocks(QTextDocument &doc, const QColor &background)
{
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        if (!isCodeBlock(block))
            continue;
        QTextCursor cursor(block);
        QTextBlockFormat format = block.blockFormat();
        format.setBackground(background);
        format.setLeftMargin(8);
        format.setRightMargin(8);
        cursor.setBlockFormat(format);
        cursor.select(QTextCursor::BlockUnderCursor);
        QTextCharFormat chars;
        chars.setFontFamilies({mono.family()});
        chars.setFontFixedPitch(true);
        cursor.mergeCharFormat(chars);
    }
}

void appendTools(QTextDocument &doc, const ThreadItem &item, const QPalette &palette,
                 const QColor &codeBackground)
{
    QTextCursor cursor(&doc);
    cursor.movePosition(QTextCursor::End);
    const bool emptyDoc = doc.isEmpty();
    const QColor ok(QStringLiteral("#2e9d58"));
    const QColor bad(QStringLiteral("#d14343"));
    const QColor muted = mixColors(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.45);
    for (int i = 0; i < item.tools.size(); ++i) {
        const ToolEntry &tool = item.tools.at(i);
        QTextBlockFormat line;
        line.setProperty(kToolBlockProperty, i);
        line.setTopMargin(4);
        if (emptyDoc && i == 0)
            cursor.setBlockFormat(line);
        else
            cursor.insertBlock(line);
        QTextCharFormat name;
        name.setFontWeight(QFont::DemiBold);
        name.setForeground(palette.color(QPalette::Text));
        cursor.insertText(QStringLiteral("⚙ "), name);
        QTextCharFormat args;
        args.setFontFamilies({QFontDatabase::systemFont(QFontDatabase::FixedFont).family()});
        args.setForeground(palette.color(QPalette::Text));
        cursor.insertText(toolCallSummary(tool.call), args);
        QTextCharFormat status;
        status.setFontWeight(QFont::DemiBold);
        status.setForeground(!tool.done ? muted : tool.success ? ok : bad);
        // A stored call without a result did not run: it waits for approval, or its turn stopped.
        const QString pending =
            item.streaming ? QStringLiteral("   running…") : QStringLiteral("   not run yet");
        cursor.insertText(!tool.done     ? pending
                          : tool.success ? QStringLiteral("   ✓ ok")
                                         : QStringLiteral("   ✗ error"),
                          status);
        if (tool.done && !item.expanded) {
            QTextCharFormat hint;
            hint.setForeground(muted);
            cursor.insertText(QStringLiteral("   ▸ result"), hint);
        }
        if (tool.done && item.expanded) {
            QTextBlockFormat code;
            code.setProperty(QTextFormat::BlockCodeFence, QVariant(QChar(u'`')));
            code.setProperty(kToolBlockProperty, i);
            code.setBackground(codeBackground);
            code.setLeftMargin(8);
            code.setRightMargin(8);
            QTextCharFormat mono;
            mono.setFontFamilies({QFontDatabase::systemFont(QFontDatabase::FixedFont).family()});
            mono.setFontFixedPitch(true);
            mono.setForeground(palette.color(QPalette::Text));
            const QStringList lines = prettyJson(tool.result).split(QLatin1Char('\n'));
            for (const QString &l : lines) {
                cursor.insertBlock(code, mono);
                cursor.insertText(l, mono);
            }
        }
    }
}

QColor codeBackgroundOf(const QPalette &palette)
{
    return mixColors(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.07);
}

std::unique_ptr<QTextDocument> emptyDocument(const QFont &font)
{
    auto doc = std::make_unique<QTextDocument>();
    doc->setDefaultFont(font);
    doc->setDocumentMargin(0);
    doc->setUndoRedoEnabled(false);
    return doc;
}

} // namespace

std::unique_ptr<QTextDocument> buildMarkdownDocument(const QString &markdown, const QPalette &palette,
                                                     const QFont &font)
{
    auto doc = emptyDocument(font);
    doc->setMarkdown(markdown, QTextDocument::MarkdownDialectGitHub);
    styleCodeBlocks(*doc, codeBackgroundOf(palette));
    styleQuotesAndTables(*doc, palette);
    return doc;
}

std::unique_ptr<QTextDocument> buildMessageDocument(const ThreadItem &item, const QPalette &palette,
                                                    const QFont &font)
{
    const QColor codeBackground = codeBackgroundOf(palette);
    std::unique_ptr<QTextDocument> doc;
    if (item.role == core::Role::Assistant) {
        doc = buildMarkdownDocument(item.content, palette, font);
        linkCitations(*doc, core::citationsOfMetadata(item.metadata), palette);
    } else {
        doc = emptyDocument(font);
        doc->setPlainText(item.content);
    }
    if (item.streaming && item.content.isEmpty() && item.tools.isEmpty()) {
        QTextCursor cursor(doc.get());
        QTextCharFormat thinking;
        thinking.setFontItalic(true);
        thinking.setForeground(mixColors(palette.color(QPalette::Text), palette.color(QPalette::Base), 0.45));
        cursor.insertText(QStringLiteral("Thinking…"), thinking);
    }
    appendTools(*doc, item, palette, codeBackground);
    return doc;
}

QString codeBlockText(const QTextDocument &document, int position)
{
    QTextBlock block = document.findBlock(position);
    if (!block.isValid() || !isCodeBlock(block)) {
        block = document.begin();
        while (block.isValid() && !isCodeBlock(block))
            block = block.next();
        if (!block.isValid())
            return {};
    }
    QTextBlock first = block;
    while (first.previous().isValid() && isCodeBlock(first.previous()))
        first = first.previous();
    QStringList lines;
    for (QTextBlock b = first; b.isValid() && isCodeBlock(b); b = b.next())
        lines.append(b.text());
    return lines.join(QLatin1Char('\n'));
}

QString messageClipboardText(const ThreadItem &item)
{
    QString text = item.content;
    for (const ToolEntry &tool : item.tools) {
        if (!text.isEmpty())
            text += QLatin1Char('\n');
        text += QStringLiteral("[tool] ") + toolCallSummary(tool.call);
        if (tool.done)
            text += QStringLiteral(" → ") + tool.result;
    }
    return text;
}

} // namespace agency::ui
