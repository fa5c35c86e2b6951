#include "messagerender.h"

#include "messagedocument.h"

#include <QTextBlock>

namespace agency::ui {

qsizetype MarkdownCutFinder::lastCut(const QString &text, qsizetype from)
{
    qsizetype pos = m_scanned;
    for (qsizetype nl = text.indexOf(QLatin1Char('\n'), pos); nl >= 0;
         nl = text.indexOf(QLatin1Char('\n'), pos)) {
        const QStringView line = QStringView(text).mid(pos, nl - pos);
        const QStringView trimmed = line.trimmed();
        if (trimmed.isEmpty()) {
            if (!m_inFence)
                m_pending = nl + 1;
        } else {
            // An indented line after a blank one continues a list item or is indented code:
            // cutting there would change what it renders as.
            if (m_pending >= 0 && !line.front().isSpace())
                m_lastCut = m_pending;
            m_pending = -1;
            if (trimmed.startsWith(u"```") || trimmed.startsWith(u"~~~"))
                m_inFence = !m_inFence;
        }
        pos = nl + 1;
    }
    m_scanned = pos;
    return m_lastCut >= from ? m_lastCut : -1;
}

namespace {

qint64 paletteKeyOf(const QPalette &palette)
{
    return palette.color(QPalette::Base).rgba() ^ (qint64(palette.color(QPalette::Text).rgba()) << 32);
}

bool rendersInParts(const ThreadItem &item)
{
    return item.streaming && item.kind == ThreadItem::Kind::Text && item.role == core::Role::Assistant &&
           item.tools.isEmpty() && !item.content.isEmpty();
}

/// One document collapses the margins between two blocks into the larger one; two stacked
/// documents would add them, so the lower one moves up by the smaller.
qreal collapsedMargin(const QTextDocument &above, const QTextDocument &below)
{
    return std::min(above.lastBlock().blockFormat().bottomMargin(),
                    below.firstBlock().blockFormat().topMargin());
}

} // namespace

int MessageRender::update(const ThreadItem &item, const QPalette &palette, const QFont &font, int width)
{
    const qint64 paletteKey = paletteKeyOf(palette);
    int built = 0;
    if (m_parts.empty() || item.revision != m_revision || paletteKey != m_paletteKey) {
        // A streaming row only grows (ThreadItem::streaming), so its finished parts stay valid.
        const bool extend = m_streamed && paletteKey == m_paletteKey && rendersInParts(item) &&
                            item.content.size() >= m_stableEnd;
        built = extend ? extendStreaming(item, palette, font) : rebuildWhole(item, palette, font);
        m_revision = item.revision;
        m_paletteKey = paletteKey;
    } else if (width == m_width) {
        return 0;
    }
    m_width = width;
    layOut(width);
    return built;
}

int MessageRender::rebuildWhole(const ThreadItem &item, const QPalette &palette, const QFont &font)
{
    m_parts.clear();
    m_cuts.reset();
    m_stableEnd = 0;
    m_streamed = rendersInParts(item);
    if (m_streamed)
        return extendStreaming(item, palette, font);
    m_parts.push_back({buildMessageDocument(item, palette, font), 0});
    return 1;
}

int MessageRender::extendStreaming(const ThreadItem &item, const QPalette &palette, const QFont &font)
{
    int built = 0;
    if (!m_parts.empty())
        m_parts.pop_back(); // the previous tail
    const qsizetype cut = m_cuts.lastCut(item.content, m_stableEnd + kMinPartChars);
    if (cut > m_stableEnd) {
        m_parts.push_back(
            {buildMarkdownDocument(item.content.mid(m_stableEnd, cut - m_stableEnd), palette, font), 0});
        m_stableEnd = cut;
        ++built;
    }
    m_parts.push_back({buildMarkdownDocument(item.content.mid(m_stableEnd), palette, font), 0});
    return built + 1;
}

void MessageRender::layOut(int width)
{
    for (std::size_t i = 0; i < m_parts.size(); ++i) {
        QTextDocument &doc = *m_parts[i].document;
        if (doc.textWidth() != width)
            doc.setTextWidth(width);
        m_parts[i].top = i == 0 ? 0
                                : m_parts[i - 1].top + m_parts[i - 1].document->size().height() -
                                      collapsedMargin(*m_parts[i - 1].document, doc);
    }
}

qreal MessageRender::height() const
{
    return m_parts.empty() ? 0 : m_parts.back().top + m_parts.back().document->size().height();
}

const MessageRender::Part *MessageRender::partAt(qreal y) const
{
    const Part *found = m_parts.empty() ? nullptr : &m_parts.front();
    for (const Part &part : m_parts) {
        if (part.top <= y)
            found = &part;
    }
    return found;
}

} // namespace agency::ui
