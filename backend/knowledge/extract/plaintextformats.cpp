// Plain text and Markdown: the page's text is the decoded file itself, so every span points at
// the source as written; the blocks mark its paragraphs, headings, list items and code.

#include "formats.h"
#include "textdecoding.h"

#include <QRegularExpression>

namespace agency::knowledge::detail {
namespace {

struct Line
{
    qsizetype start = 0;
    qsizetype end = 0; ///< excluding the "\n"
};

QList<Line> splitLines(const QString &text)
{
    QList<Line> lines;
    qsizetype start = 0;
    for (;;) {
        const qsizetype newline = text.indexOf(QLatin1Char('\n'), start);
        lines.append({start, newline < 0 ? text.size() : newline});
        if (newline < 0)
            break;
        start = newline + 1;
    }
    return lines;
}

bool isBlank(const QString &text, const Line &line)
{
    for (qsizetype i = line.start; i < line.end; ++i) {
        if (!text[i].isSpace())
            return false;
    }
    return true;
}

TextBlock makeBlock(BlockKind kind, qsizetype start, qsizetype end, int level = 0)
{
    TextBlock block;
    block.kind = kind;
    block.level = level;
    block.start = start;
    block.end = end;
    return block;
}

// Runs of non-blank lines.
QList<TextBlock> paragraphBlocks(const QString &text)
{
    QList<TextBlock> blocks;
    qsizetype start = -1, end = 0;
    for (const Line &line : splitLines(text)) {
        if (isBlank(text, line)) {
            if (start >= 0)
                blocks.append(makeBlock(BlockKind::Paragraph, start, end));
            start = -1;
            continue;
        }
        if (start < 0)
            start = line.start;
        end = line.end;
    }
    if (start >= 0)
        blocks.append(makeBlock(BlockKind::Paragraph, start, end));
    return blocks;
}

class MarkdownScanner
{
public:
    explicit MarkdownScanner(const QString &text) : m_text(text), m_lines(splitLines(text)) {}

    QList<TextBlock> scan()
    {
        for (m_index = 0; m_index < m_lines.size(); ++m_index) {
            const QString line = lineText(m_index);
            if (isBlank(m_text, m_lines[m_index])) {
                closeOpen();
            } else if (const auto fence = kFence.match(line); fence.hasMatch()) {
                closeOpen();
                scanFence(fence.captured(1));
            } else if (const auto heading = kAtxHeading.match(line); heading.hasMatch()) {
                closeOpen();
                m_blocks.append(makeBlock(BlockKind::Heading, m_lines[m_index].start, m_lines[m_index].end,
                                          int(heading.captured(1).size())));
            } else if (m_openKind == BlockKind::Paragraph && m_openStart >= 0 &&
                       kSetextUnderline.match(line).hasMatch()) {
                // "Title\n=====": the paragraph line above was a heading.
                m_blocks.append(makeBlock(BlockKind::Heading, m_openStart, m_lines[m_index].end,
                                          line.trimmed().startsWith(QLatin1Char('=')) ? 1 : 2));
                m_openStart = -1;
            } else if (kListItem.match(line).hasMatch()) {
                closeOpen();
                open(BlockKind::ListItem);
            } else if (line.trimmed().startsWith(QLatin1Char('|'))) {
                closeOpen();
                m_blocks.append(makeBlock(BlockKind::TableRow, m_lines[m_index].start, m_lines[m_index].end));
            } else if (m_openStart >= 0) {
                m_openEnd = m_lines[m_index].end; // a continuation line
            } else {
                open(BlockKind::Paragraph);
            }
        }
        closeOpen();
        return m_blocks;
    }

private:
    QString lineText(qsizetype index) const
    {
        return m_text.mid(m_lines[index].start, m_lines[index].end - m_lines[index].start);
    }
    void open(BlockKind kind)
    {
        m_openKind = kind;
        m_openStart = m_lines[m_index].start;
        m_openEnd = m_lines[m_index].end;
    }
    void closeOpen()
    {
        if (m_openStart >= 0)
            m_blocks.append(makeBlock(m_openKind, m_openStart, m_openEnd));
        m_openStart = -1;
    }
    void scanFence(const QString &marker)
    {
        const qsizetype start = m_lines[m_index].start;
        qsizetype end = m_lines[m_index].end;
        while (++m_index < m_lines.size()) {
            end = m_lines[m_index].end;
            if (lineText(m_index).trimmed().startsWith(marker))
                break;
        }
        m_blocks.append(makeBlock(BlockKind::Code, start, end));
    }

    static inline const QRegularExpression kFence{QStringLiteral("^ {0,3}(```|~~~)")};
    static inline const QRegularExpression kAtxHeading{QStringLiteral("^ {0,3}(#{1,6})(\\s|$)")};
    static inline const QRegularExpression kSetextUnderline{QStringLiteral("^ {0,3}(=+|-+)\\s*$")};
    static inline const QRegularExpression kListItem{QStringLiteral("^\\s*([-*+]|\\d{1,9}[.)])\\s+\\S")};

    const QString &m_text;
    const QList<Line> m_lines;
    qsizetype m_index = 0;
    QList<TextBlock> m_blocks;
    BlockKind m_openKind = BlockKind::Paragraph;
    qsizetype m_openStart = -1;
    qsizetype m_openEnd = 0;
};

QString headingTitle(const QString &text, const TextBlock &block)
{
    QString title = text.mid(block.start, block.end - block.start).section(QLatin1Char('\n'), 0, 0).trimmed();
    static const QRegularExpression markers(QStringLiteral("^#+\\s*|\\s+#+$"));
    return title.remove(markers).trimmed();
}

core::Result<ExtractionSummary> extractDecoded(const QByteArray &bytes, const ExtractContext &context,
                                               bool markdown)
{
    auto decoded = decodeText(bytes, context.subject());
    if (!decoded)
        return decoded.error();
    ExtractedPage page;
    page.text = std::move(decoded.value().text);
    page.blocks = markdown ? MarkdownScanner(page.text).scan() : paragraphBlocks(page.text);
    ExtractionSummary summary;
    summary.encoding = decoded.value().encoding;
    if (markdown) {
        // The first top-level heading names the document, else the first heading of any level.
        for (int wanted : {1, 0}) {
            for (const TextBlock &block : std::as_const(page.blocks)) {
                if (block.kind == BlockKind::Heading && (wanted == 0 || block.level == wanted)) {
                    summary.title = headingTitle(page.text, block);
                    break;
                }
            }
            if (!summary.title.isEmpty())
                break;
        }
    }
    if (auto sent = emitSinglePage(std::move(page), context); !sent)
        return sent.error();
    return summary;
}

} // namespace

core::Result<ExtractionSummary> extractPlainText(const QByteArray &bytes, const ExtractContext &context)
{
    return extractDecoded(bytes, context, false);
}

core::Result<ExtractionSummary> extractMarkdown(const QByteArray &bytes, const ExtractContext &context)
{
    return extractDecoded(bytes, context, true);
}

} // namespace agency::knowledge::detail
