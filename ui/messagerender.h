#pragma once

#include "threadmodel.h"

#include <QPalette>
#include <QTextDocument>

#include <memory>
#include <vector>

namespace agency::ui {

/// Where a streaming reply can be cut into independently rendered Markdown: after a blank line
/// outside a code fence that is followed by an unindented line (so no list continuation or
/// indented code is split). Scans each character once as the text grows.
class MarkdownCutFinder
{
public:
    /// Scans `text` (the same text as before, longer) from where the last call stopped; returns the
    /// last confirmed cut position at or after `from`, or -1.
    qsizetype lastCut(const QString &text, qsizetype from);
    void reset() { *this = MarkdownCutFinder(); }

private:
    qsizetype m_scanned = 0;  ///< start of the first line not scanned yet
    qsizetype m_pending = -1; ///< a cut after a blank line, confirmed by the next line
    qsizetype m_lastCut = -1;
    bool m_inFence = false;
};

/// How one thread item is drawn: its documents stacked top to bottom. A stored message (or any item
/// with tool calls) is one document, rebuilt when the item changes. A reply still streaming is a run
/// of documents, one per finished stretch of Markdown blocks, plus one for the growing tail: each
/// update renders only the text since the last finished stretch, so a 20,000-token answer costs
/// about the same per update at its end as at its start.
class MessageRender
{
public:
    struct Part
    {
        std::unique_ptr<QTextDocument> document;
        qreal top = 0; ///< y of this document within the item's text area
    };

    /// Brings the render up to date with `item` (same uid as before) laid out at `width`.
    /// Returns how many documents were built.
    int update(const ThreadItem &item, const QPalette &palette, const QFont &font, int width);

    const std::vector<Part> &parts() const { return m_parts; }
    /// Height of the stacked documents.
    qreal height() const;
    /// The part drawn at `y` (text-area coordinates; the nearest at the ends), or null when empty.
    const Part *partAt(qreal y) const;

    /// Parts of a streaming reply keep at least this many characters (fewer, larger documents).
    static constexpr int kMinPartChars = 2000;

private:
    int rebuildWhole(const ThreadItem &item, const QPalette &palette, const QFont &font);
    int extendStreaming(const ThreadItem &item, const QPalette &palette, const QFont &font);
    /// Sets each document's width (when it differs) and stacks them.
    void layOut(int width);

    std::vector<Part> m_parts;
    int m_revision = -1;
    int m_width = -1;
    qint64 m_paletteKey = 0;
    bool m_streamed = false;   ///< m_parts are stable stretches plus a tail
    qsizetype m_stableEnd = 0; ///< characters of content rendered in stable parts
    MarkdownCutFinder m_cuts;
};

} // namespace agency::ui
