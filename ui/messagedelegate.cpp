#include "messagedelegate.h"

#include "messagedocument.h"

#include <QAbstractScrollArea>
#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QTextBlock>
#include <QTextCursor>

namespace agency::ui {

namespace {
constexpr int kOuterV = 6;    // space between bubbles
constexpr int kOuterH = 14;   // space to the view's edges
constexpr int kIndent = 56;   // how far the other side's bubbles are pushed in
constexpr int kPadding = 12;  // inside a bubble
constexpr int kHeaderGap = 4; // between the header line and the text
constexpr int kRadius = 10;

QColor accentFor(const ThreadItem &item, const QPalette &palette)
{
    if (item.kind == ThreadItem::Kind::Notice)
        return QColor(QStringLiteral("#d14343"));
    if (item.role == core::Role::User)
        return palette.color(QPalette::Highlight);
    return QColor(QStringLiteral("#7c5cd6"));
}

} // namespace

MessageDelegate::MessageDelegate(QObject *parent) : QStyledItemDelegate(parent) {}

const ThreadItem *MessageDelegate::itemOf(const QModelIndex &index) const
{
    const auto *model = qobject_cast<const ThreadModel *>(index.model());
    if (!model || !index.isValid() || index.row() >= model->rowCount())
        return nullptr;
    return &model->item(index.row());
}

MessageDelegate::Geometry MessageDelegate::geometry(const QStyleOptionViewItem &option,
                                                    const ThreadItem &item) const
{
    Geometry g;
    QRect area = option.rect.adjusted(kOuterH, kOuterV, -kOuterH, -kOuterV);
    if (item.kind == ThreadItem::Kind::Text) {
        if (item.role == core::Role::User)
            area.setLeft(area.left() + kIndent);
        else
            area.setRight(area.right() - kIndent / 2);
    }
    g.bubble = area;
    g.textWidth = std::max(80, area.width() - 2 * kPadding);
    const int header = option.fontMetrics.height() + kHeaderGap;
    g.textOrigin = QPoint(area.left() + kPadding, area.top() + kPadding + header);
    return g;
}

const MessageRender &MessageDelegate::renderFor(const ThreadItem &item, const QStyleOptionViewItem &option,
                                                int width) const
{
    MessageRender &render = m_cache[item.uid];
    m_built += render.update(item, option.palette, option.font, width);
    return render;
}

QString MessageDelegate::headerText(const ThreadItem &item) const
{
    if (item.kind == ThreadItem::Kind::Notice)
        return QStringLiteral("Error");
    QString who;
    switch (item.role) {
    case core::Role::User:
        who = QStringLiteral("You");
        break;
    case core::Role::Assistant:
        who = QStringLiteral("Assistant");
        break;
    case core::Role::Tool:
        who = QStringLiteral("Tool");
        break;
    case core::Role::System:
        who = QStringLiteral("System");
        break;
    }
    const QString model = item.metadata.value(QStringLiteral("model")).toString();
    if (!model.isEmpty())
        who += QStringLiteral(" · ") + model;
    if (item.streaming)
        who += QStringLiteral(" · writing…");
    else if (item.metadata.value(QStringLiteral("stopped")).toBool())
        who += QStringLiteral(" · stopped"); // the accent of its role: a choice, not an error
    else if (item.metadata.value(QStringLiteral("turn_status")).toString() == QLatin1String("interrupted"))
        who += QStringLiteral(" · not answered: interrupted"); // its process died mid-turn
    return who;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const ThreadItem *item = itemOf(index);
    if (!item)
        return {};
    const Geometry g = geometry(option, *item);
    const MessageRender &render = renderFor(*item, option, g.textWidth);
    const int header = option.fontMetrics.height() + kHeaderGap;
    const int height = kOuterV * 2 + kPadding * 2 + header + static_cast<int>(std::ceil(render.height()));
    return {option.rect.width() > 0 ? option.rect.width() : g.textWidth + 2 * (kPadding + kOuterH), height};
}

void MessageDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
    const ThreadItem *item = itemOf(index);
    if (!item)
        return;
    const QPalette &palette = option.palette;
    const Geometry g = geometry(option, *item);
    const MessageRender &render = renderFor(*item, option, g.textWidth);
    const QColor base = palette.color(QPalette::Base);
    const QColor accent = accentFor(*item, palette);

    painter->save();
    painter->setRenderHint(QPainter::Antialiasing);
    QColor fill = item->role == core::Role::User || item->kind == ThreadItem::Kind::Notice
                      ? mixColors(base, accent, 0.14)
                      : base;
    if (item->highlighted)
        fill = mixColors(base, QColor(QStringLiteral("#f2c94c")), 0.35);
    QPainterPath path;
    path.addRoundedRect(QRectF(g.bubble).adjusted(0.5, 0.5, -0.5, -0.5), kRadius, kRadius);
    painter->fillPath(path, fill);
    QPen border(item->highlighted ? QColor(QStringLiteral("#d4a72c"))
                                  : mixColors(base, palette.color(QPalette::Text), 0.12));
    border.setWidthF(item->highlighted ? 2.0 : 1.0);
    painter->setPen(border);
    painter->drawPath(path);
    if (item->role == core::Role::Assistant && item->kind == ThreadItem::Kind::Text) {
        // An accent bar on the left tells the agent's messages apart at a glance.
        painter->fillRect(
            QRect(g.bubble.left() + 1, g.bubble.top() + kRadius, 3, g.bubble.height() - 2 * kRadius), accent);
    }

    // Header: who (and model) on the left; time and the turn's tokens on the right.
    const int headerTop = g.bubble.top() + kPadding;
    const QRect headerRect(g.textOrigin.x(), headerTop, g.textWidth, option.fontMetrics.height());
    QFont bold = option.font;
    bold.setWeight(QFont::DemiBold);
    painter->setFont(bold);
    painter->setPen(accent);
    painter->drawText(headerRect, Qt::AlignLeft | Qt::AlignVCenter, headerText(*item));
    QStringList right;
    const QJsonObject usage = item->metadata.value(QStringLiteral("turn_usage")).toObject();
    if (!usage.isEmpty())
        right.append(QStringLiteral("%1 tokens")
                         .arg(QLocale().toString(usage.value(QStringLiteral("total_tokens")).toInteger())));
    if (item->createdAt.isValid())
        right.append(QLocale().toString(item->createdAt.toLocalTime(), QStringLiteral("d MMM HH:mm")));
    painter->setFont(option.font);
    painter->setPen(mixColors(palette.color(QPalette::Text), base, 0.45));
    painter->drawText(headerRect, Qt::AlignRight | Qt::AlignVCenter, right.join(QStringLiteral("  ·  ")));

    // Only what the viewport shows is drawn: a long message is far taller than the view.
    QRectF visible = option.rect;
    if (const auto *area = qobject_cast<const QAbstractScrollArea *>(option.widget))
        visible = visible.intersected(area->viewport()->rect());
    QAbstractTextDocumentLayout::PaintContext context;
    context.palette = palette;
    int partNumber = -1;
    for (const MessageRender::Part &part : render.parts()) {
        ++partNumber;
        const QPointF origin = QPointF(g.textOrigin) + QPointF(0, part.top);
        if (!QRectF(origin, part.document->size()).intersects(visible))
            continue;
        paintCodeFrames(painter, *part.document, origin, palette, visible);
        painter->save();
        painter->translate(origin);
        context.clip = visible.translated(-origin);
        context.selections.clear();
        if (m_selUid == item->uid && m_selPart == partNumber && m_selAnchor != m_selPosition) {
            const int last = part.document->characterCount() - 1;
            QAbstractTextDocumentLayout::Selection selection;
            selection.cursor = QTextCursor(part.document.get());
            selection.cursor.setPosition(std::clamp(m_selAnchor, 0, last));
            selection.cursor.setPosition(std::clamp(m_selPosition, 0, last), QTextCursor::KeepAnchor);
            selection.format.setBackground(palette.brush(QPalette::Highlight));
            selection.format.setForeground(palette.brush(QPalette::HighlightedText));
            context.selections.append(selection);
        }
        part.document->documentLayout()->draw(painter, context);
        painter->restore();
    }
    painter->restore();
}

void MessageDelegate::paintCodeFrames(QPainter *painter, const QTextDocument &doc, const QPointF &origin,
                                      const QPalette &palette, const QRectF &visible) const
{
    const QColor frame = mixColors(palette.color(QPalette::Base), palette.color(QPalette::Text), 0.22);
    QAbstractTextDocumentLayout *layout = doc.documentLayout();
    QRectF run;
    auto flush = [&] {
        if (run.isNull())
            return;
        painter->setPen(frame);
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(run.translated(origin).adjusted(0.5, -2, -0.5, 2), 4, 4);
        run = {};
    };
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        if (!isCodeBlock(block)) {
            flush();
            continue;
        }
        QRectF r = layout->blockBoundingRect(block);
        if (r.top() + origin.y() > visible.bottom())
            break;
        if (r.bottom() + origin.y() < visible.top()) {
            flush();
            continue;
        }
        r.setLeft(0);
        r.setWidth(doc.textWidth());
        run = run.isNull() ? r : run.united(r);
    }
    flush();
}

const QTextDocument *MessageDelegate::partDocument(quint64 uid, int part) const
{
    const auto it = m_cache.find(uid);
    if (it == m_cache.end() || part < 0 || part >= static_cast<int>(it->second.parts().size()))
        return nullptr;
    return it->second.parts().at(static_cast<size_t>(part)).document.get();
}

int MessageDelegate::partIndex(quint64 uid, const QTextDocument *document) const
{
    const auto it = m_cache.find(uid);
    if (it == m_cache.end())
        return -1;
    for (size_t i = 0; i < it->second.parts().size(); ++i) {
        if (it->second.parts().at(i).document.get() == document)
            return static_cast<int>(i);
    }
    return -1;
}

int MessageDelegate::hitTest(const QStyleOptionViewItem &option, const QModelIndex &index,
                             const QPoint &point, const QTextDocument **document) const
{
    const ThreadItem *item = itemOf(index);
    if (!item)
        return -1;
    const Geometry g = geometry(option, *item);
    const MessageRender &render = renderFor(*item, option, g.textWidth);
    const MessageRender::Part *part = render.partAt(point.y() - g.textOrigin.y());
    if (!part)
        return -1;
    if (document)
        *document = part->document.get();
    return part->document->documentLayout()->hitTest(QPointF(point - g.textOrigin) - QPointF(0, part->top),
                                                     Qt::FuzzyHit);
}

} // namespace agency::ui
