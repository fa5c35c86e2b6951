#pragma once

#include "messagerender.h"
#include "threadmodel.h"

#include <QStyledItemDelegate>
#include <QTextDocument>
#include <unordered_map>

#include <memory>

namespace agency::ui {

/// Paints one thread item as a bubble: a header (who, model, time, the turn's token usage) above
/// the item's own documents (MessageRender). Renders are cached per item and rebuilt only when that
/// item's revision, the width or the palette changed, so a streaming reply re-renders one item, and
/// of it only the text since its last finished stretch. Only what is inside the viewport is drawn.
class MessageDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    explicit MessageDelegate(QObject *parent = nullptr);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

    /// The document position under `point` (viewport coordinates) of the item drawn in `rect`,
    /// or -1 outside its text. `document` receives the item's document under `point`.
    int hitTest(const QStyleOptionViewItem &option, const QModelIndex &index, const QPoint &point,
                const QTextDocument **document) const;
    /// The "Open Settings…" button drawn under a notice about a configuration problem (a missing
    /// or rejected key), for the item drawn in `option.rect`; empty for every other item.
    QRect settingsButtonRect(const QStyleOptionViewItem &option, const QModelIndex &index) const;
    /// The text of the code block whose Copy button is under `point` (viewport coordinates) in
    /// the item drawn in `option.rect`; empty when the point is on no such button. `where`
    /// receives the block's identity for markCopied().
    QString codeCopyAt(const QStyleOptionViewItem &option, const QModelIndex &index, const QPoint &point,
                       QPair<quint64, int> *where = nullptr) const;
    /// The Copy button of that block reads "Copied" (until called with {0, -1}).
    void markCopied(QPair<quint64, int> block) { m_copied = block; }
    /// Drops cached renders of rows that no longer exist (after a reload).
    void clearCache() { m_cache.clear(); }
    /// Text selected by dragging: characters `anchor`..`position` of part `part` of the row
    /// whose item has `uid` (0: nothing selected). Drawn highlighted.
    void setSelection(quint64 uid, int part, int anchor, int position)
    {
        m_selUid = uid;
        m_selPart = part;
        m_selAnchor = anchor;
        m_selPosition = position;
    }
    /// The rendered document of part `part` of item `uid` (null when not rendered).
    const QTextDocument *partDocument(quint64 uid, int part) const;
    /// Which part of item `uid` `document` is (-1: none).
    int partIndex(quint64 uid, const QTextDocument *document) const;
    /// Items with a cached render.
    int cachedItems() const { return static_cast<int>(m_cache.size()); }
    /// Documents built since construction: tests check that streaming re-renders one item.
    int documentsBuilt() const { return m_built; }

private:
    struct Geometry
    {
        QRect bubble;
        QPoint textOrigin;
        int textWidth = 0;
    };

    const ThreadItem *itemOf(const QModelIndex &index) const;
    const MessageRender &renderFor(const ThreadItem &item, const QStyleOptionViewItem &option,
                                   int width) const;
    Geometry geometry(const QStyleOptionViewItem &option, const ThreadItem &item) const;
    QString headerText(const ThreadItem &item) const;
    QRect settingsButtonRect(const QStyleOptionViewItem &option, const ThreadItem &item) const;
    /// The small line under an answer that needed more than one target or was cut: which targets
    /// were tried and how each ended. Empty for an answer of one attempt.
    static QString attemptsText(const ThreadItem &item);
    void paintCodeFrames(QPainter *painter, const QTextDocument &doc, const QPointF &origin,
                         const QPalette &palette, const QRectF &visible, quint64 uid, const QFont &font,
                         bool buttons) const;
    void paintQuoteBars(QPainter *painter, const QTextDocument &doc, const QPointF &origin,
                        const QColor &color, const QRectF &visible) const;

    mutable std::unordered_map<quint64, MessageRender> m_cache;
    mutable int m_built = 0;
    quint64 m_selUid = 0;
    int m_selPart = -1;
    int m_selAnchor = 0;
    int m_selPosition = 0;
    QPair<quint64, int> m_copied{0, -1}; ///< item uid and first position of the block just copied
};

} // namespace agency::ui
