#include "chunker.h"

#include "core/tokenestimate.h"

#include <QRegularExpression>

namespace agency::knowledge {
namespace {

// core::tokensForChars() counts 4 characters a token: sizes are compared in characters.
constexpr qint64 kCharsPerToken = 4;

struct Unit
{
    qint64 start = 0;
    qint64 end = 0;
    bool heading = false;
    int level = 0;
};

class PageChunker
{
public:
    PageChunker(const ExtractedPage &page, qint64 pageStart, const ChunkOptions &options)
        : m_page(page), m_text(page.text), m_pageStart(pageStart)
    {
        m_maxChars = qMax(1, options.maxTokens) * kCharsPerToken;
        m_targetChars = qBound<qint64>(1, qint64(options.targetTokens) * kCharsPerToken, m_maxChars);
        m_overlapChars = qBound<qint64>(0, qint64(options.overlapTokens) * kCharsPerToken, m_targetChars / 2);
    }

    QList<ChunkSpan> run()
    {
        for (const TextBlock &block : blocks())
            addBlock(block);
        flush();
        return m_chunks;
    }

private:
    // The page's blocks, clamped to its text, in order, not overlapping, trimmed of whitespace; a
    // page without blocks is cut into paragraphs at blank lines.
    QList<TextBlock> blocks() const
    {
        QList<TextBlock> raw = m_page.blocks;
        if (raw.isEmpty()) {
            static const QRegularExpression blankLines(QStringLiteral("\\n[ \\t\\r\\f\\v]*\\n"));
            qint64 start = 0;
            for (auto it = blankLines.globalMatch(m_text); it.hasNext();) {
                const auto match = it.next();
                raw.append({BlockKind::Paragraph, 0, start, match.capturedStart()});
                start = match.capturedEnd();
            }
            raw.append({BlockKind::Paragraph, 0, start, m_text.size()});
        }
        std::stable_sort(raw.begin(), raw.end(),
                         [](const TextBlock &a, const TextBlock &b) { return a.start < b.start; });
        QList<TextBlock> clean;
        qint64 previousEnd = 0;
        for (TextBlock block : std::as_const(raw)) {
            block.start = qBound<qint64>(previousEnd, block.start, m_text.size());
            block.end = qBound<qint64>(block.start, block.end, m_text.size());
            while (block.start < block.end && m_text[block.start].isSpace())
                ++block.start;
            while (block.end > block.start && m_text[block.end - 1].isSpace())
                --block.end;
            if (block.start == block.end)
                continue;
            clean.append(block);
            previousEnd = block.end;
        }
        return clean;
    }

    void addBlock(const TextBlock &block)
    {
        if (block.end - block.start <= m_maxChars) {
            addUnit({block.start, block.end, block.kind == BlockKind::Heading, block.level});
            return;
        }
        // Too big to keep whole: sentences (lines, for code), then words, then plain cuts.
        for (const Unit &unit : split(block.start, block.end, block.kind == BlockKind::Code))
            addUnit(unit);
    }

    QList<Unit> split(qint64 start, qint64 end, bool lines) const
    {
        QList<Unit> units;
        while (start < end) {
            qint64 cut = end;
            if (end - start > m_targetChars) {
                const qint64 limit = start + m_targetChars;
                cut = lastBoundary(start, limit,
                                   [&](qint64 p) { return lines ? isLineStart(p) : isSentenceStart(p); });
                if (cut <= start)
                    cut = lastBoundary(start, limit, [&](qint64 p) { return isWordStart(p); });
                if (cut <= start)
                    cut = m_text[limit].isLowSurrogate() ? limit - 1 : limit; // never halve a surrogate pair
            }
            qint64 pieceEnd = cut;
            while (pieceEnd > start && m_text[pieceEnd - 1].isSpace())
                --pieceEnd;
            if (pieceEnd > start)
                units.append({start, pieceEnd, false, 0});
            start = cut;
            while (start < end && m_text[start].isSpace())
                ++start;
        }
        return units;
    }

    template <typename Predicate> qint64 lastBoundary(qint64 start, qint64 limit, Predicate isBoundary) const
    {
        for (qint64 p = limit; p > start; --p) {
            if (isBoundary(p))
                return p;
        }
        return start;
    }

    bool isWordStart(qint64 p) const
    {
        return p > 0 && p < m_text.size() && !m_text[p].isSpace() && m_text[p - 1].isSpace();
    }

    bool isLineStart(qint64 p) const
    {
        return p > 0 && p < m_text.size() && m_text[p - 1] == QLatin1Char('\n');
    }

    bool isSentenceStart(qint64 p) const
    {
        if (p <= 0 || p >= m_text.size() || m_text[p].isSpace())
            return false;
        static const QString fullStops = QStringLiteral("\u3002\uFF01\uFF1F"); // 。！？ need no space
        if (fullStops.contains(m_text[p - 1]))
            return true;
        if (!m_text[p - 1].isSpace())
            return false;
        qint64 q = p - 1;
        while (q > 0 && m_text[q].isSpace())
            --q;
        static const QString closers = QStringLiteral("\"')]\u201D\u2019\u00BB");
        while (q > 0 && closers.contains(m_text[q]))
            --q;
        static const QString terminators = QStringLiteral(".!?\u2026");
        return terminators.contains(m_text[q]);
    }

    void addUnit(const Unit &unit)
    {
        if (unit.heading) {
            // Headings that follow one another share a chunk with the text that follows them.
            if (m_hasContent || (m_start >= 0 && unit.end - m_start > m_maxChars))
                flush();
            while (!m_headings.isEmpty() && m_headings.last().first >= unit.level)
                m_headings.removeLast();
            m_headings.append({unit.level, headingTitle(unit)});
            if (m_start < 0)
                m_start = unit.start;
            m_end = unit.end;
            return;
        }
        if (m_start < 0) {
            m_start = unit.start;
        } else if (m_end - m_start >= m_targetChars || unit.end - m_start > m_maxChars) {
            const bool overlap = m_hasContent;
            const qint64 previousStart = m_start, previousEnd = m_end;
            flush();
            m_start = overlap ? overlapStart(previousStart, previousEnd, unit) : unit.start;
        }
        m_end = unit.end;
        m_hasContent = true;
    }

    // Where a chunk that continues the previous one starts: about overlapChars before the end of
    // the previous one, at a word, and never so early that the chunk would pass maxChars.
    qint64 overlapStart(qint64 previousStart, qint64 previousEnd, const Unit &next) const
    {
        qint64 p = qMax(previousEnd - m_overlapChars, next.end - m_maxChars);
        if (m_overlapChars == 0 || p <= previousStart)
            return next.start;
        while (p < previousEnd && !isWordStart(p))
            ++p;
        return p < previousEnd ? p : next.start;
    }

    QString headingTitle(const Unit &unit) const
    {
        static const QRegularExpression markers(QStringLiteral("^#+\\s*|\\s+#+$"));
        const QString firstLine =
            m_text.mid(unit.start, unit.end - unit.start).section(QLatin1Char('\n'), 0, 0);
        return firstLine.trimmed().remove(markers).simplified();
    }

    void flush()
    {
        if (m_start >= 0 && m_end > m_start) {
            ChunkSpan chunk;
            chunk.page = m_page.number;
            chunk.start = m_pageStart + m_start;
            chunk.end = m_pageStart + m_end;
            chunk.text = m_text.mid(m_start, m_end - m_start);
            chunk.tokenEstimate = int(core::tokensForChars(m_end - m_start));
            QStringList path;
            for (const auto &heading : std::as_const(m_headings))
                path.append(heading.second);
            chunk.headingPath = path.join(QStringLiteral(" > "));
            m_chunks.append(chunk);
        }
        m_start = -1;
        m_end = 0;
        m_hasContent = false;
    }

    const ExtractedPage &m_page;
    const QString &m_text;
    const qint64 m_pageStart;
    qint64 m_maxChars = 0;
    qint64 m_targetChars = 0;
    qint64 m_overlapChars = 0;
    QList<ChunkSpan> m_chunks;
    QList<std::pair<int, QString>> m_headings;
    qint64 m_start = -1;
    qint64 m_end = 0;
    bool m_hasContent = false;
};

} // namespace

QList<ChunkSpan> chunkPage(const ExtractedPage &page, qint64 pageStart, const ChunkOptions &options)
{
    return PageChunker(page, pageStart, options).run();
}

} // namespace agency::knowledge
