#include "pagebuilder.h"

namespace agency::knowledge::detail {

void PageBuilder::add(BlockKind kind, const QString &text, int level)
{
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty())
        return;
    if (!m_page.text.isEmpty())
        m_page.text += QStringLiteral("\n\n");
    TextBlock block;
    block.kind = kind;
    block.level = kind == BlockKind::Heading ? qBound(1, level, 6) : 0;
    block.start = m_page.text.size();
    m_page.text += trimmed;
    block.end = m_page.text.size();
    m_page.blocks.append(block);
}

ExtractedPage PageBuilder::take(int number)
{
    ExtractedPage page = std::move(m_page);
    page.number = number;
    m_page = {};
    return page;
}

QString collapseWhitespace(const QString &text)
{
    QString out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (const QChar c : text) {
        if (c.isSpace()) { // includes the no-break space
            pendingSpace = !out.isEmpty();
            continue;
        }
        if (pendingSpace)
            out += QLatin1Char(' ');
        pendingSpace = false;
        out += c;
    }
    return out;
}

} // namespace agency::knowledge::detail
