#include "messagedelegate.h"

#include "messagedocument.h"

#include <QAbstractScrollArea>
#include <QAbstractTextDocumentLayout>
#include <QApplication>
#include <QJsonArray>
#include <QLocale>
#include <QPainter>
#include <QPainterPath>
#include <QStyle>
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
constexpr int kButtonGap = 8; // between a notice's text and its button

const QString kSettingsButtonText = QStringLiteral("Open Settings…");

bool offersSettings(const ThreadItem &item)
{
    return item.kind == ThreadItem::Kind::Notice &&
           item.metadata.value(QStringLiteral("action")).toString() == QStringLiteral("settings");
}

QSize settingsButtonSize(const QFontMetrics &metrics)
{
    return {metrics.horizontalAdvance(kSettingsButtonText) + 28, metrics.height() + 12};
}

QFont copyButtonFont(const QFont &font)
{
    QFont small = font;
    if (small.pointSizeF() > 0)
        small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1.5));
    return small;
}

/// The Copy button of a code block framed by `run` (document coordinates): its top-right corner.
QRectF copyButtonRect(const QRectF &run, const QFont &font)
{
    const QFontMetrics metrics(copyButtonFont(font));
    const qreal width = metrics.horizontalAdvance(QStringLiteral("Copied")) + 12;
    return {run.right() - width - 3, run.top() + 1, width, qreal(metrics.height() + 2)};
}

/// Calls `f(run, firstPosition)` for each run of code blocks of `doc` (document coordinates, the
/// document's width), stopping after the run that reaches below `bottom`.
template <typename F> void forEachCodeRun(const QTextDocument &doc, qreal bottom, F f)
{
    QAbstractTextDocumentLayout *layout = doc.documentLayout();
    QRectF run;
    int first = -1;
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        if (!isCodeBlock(block)) {
            if (!run.isNull())
                f(run, first);
            run = {};
            continue;
        }
        QRectF r = layout->blockBoundingRect(block);
        if (r.top() > bottom)
            break;
        r.setLeft(0);
        r.setWidth(doc.textWidth());
        if (run.isNull())
            first = block.position();
        run = run.isNull() ? r : run.united(r);
    }
    if (!run.isNull())
        f(run, first);
}

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

QString MessageDelegate::attemptsText(const ThreadItem &item)
{
    const QJsonArray attempts = item.metadata.value(QStringLiteral("attempts")).toArray();
    const bool cut = item.metadata.value(QStringLiteral("cut")).toBool();
    if (attempts.size() < 2 && !cut)
        return {};
    QStringList steps;
    for (const QJsonValue &value : attempts) {
        const QJsonObject a = value.toObject();
        const QString target = a.value(QStringLiteral("provider")).toString() + u':' +
                               a.value(QStringLiteral("model")).toString();
        const QString outcome = a.value(QStringLiteral("outcome")).toString();
        steps.append(outcome == QLatin1String("ok")
                         ? target
                         : QStringLiteral("%1 %2 (%3 ms)")
                               .arg(target, outcome)
                               .arg(a.value(QStringLiteral("latency_ms")).toInteger()));
    }
    QString text = steps.join(QStringLiteral(" → "));
    if (cut)
        text += QStringLiteral(" · the answer was cut off");
    return text;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const ThreadItem *item = itemOf(index);
    if (!item)
        return {};
    const Geometry g = geometry(option, *item);
    const MessageRender &render = renderFor(*item, option, g.textWidth);
    const int header = option.fontMetrics.height() + kHeaderGap;
    const int footer = attemptsText(*item).isEmpty() ? 0 : option.fontMetrics.height() + kHeaderGap;
    int height = kOuterV * 2 + kPadding * 2 + header + static_cast<int>(std::ceil(render.height())) + footer;
    if (offersSettings(*item))
        height += kButtonGap + settingsButtonSize(option.fontMetrics).height();
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
    if (const QString attempts = attemptsText(*item); !attempts.isEmpty()) {
        const int height = option.fontMetrics.height();
        const QRect footerRect(g.textOrigin.x(), g.bubble.bottom() - kPadding - height, g.textWidth, height);
        painter->drawText(footerRect, Qt::AlignLeft | Qt::AlignVCenter,
                          option.fontMetrics.elidedText(attempts, Qt::ElideMiddle, g.textWidth));
    }

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
        paintCodeFrames(painter, *part.document, origin, palette, visible, item->uid, option.font, false);
        paintQuoteBars(painter, *part.document, origin, mixColors(base, palette.color(QPalette::Text), 0.3),
                       visible);
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
        // The Copy buttons over the text: the blocks' own background would hide them.
        paintCodeFrames(painter, *part.document, origin, palette, visible, item->uid, option.font, true);
    }
    if (const QRect button = settingsButtonRect(option, *item); !button.isEmpty()) {
        QStyleOptionButton look;
        look.initFrom(option.widget);
        look.rect = button;
        look.text = kSettingsButtonText;
        look.palette = palette;
        look.state = QStyle::State_Enabled | QStyle::State_Raised;
        const QStyle *style = option.widget ? option.widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_PushButton, &look, painter, option.widget);
    }
    painter->restore();
}

QRect MessageDelegate::settingsButtonRect(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const ThreadItem *item = itemOf(index);
    return item ? settingsButtonRect(option, *item) : QRect();
}

QRect MessageDelegate::settingsButtonRect(const QStyleOptionViewItem &option, const ThreadItem &item) const
{
    if (!offersSettings(item))
        return {};
    const Geometry g = geometry(option, item);
    const MessageRender &render = renderFor(item, option, g.textWidth);
    const int top = g.textOrigin.y() + static_cast<int>(std::ceil(render.height())) + kButtonGap;
    return {QPoint(g.textOrigin.x(), top), settingsButtonSize(option.fontMetrics)};
}

void MessageDelegate::paintCodeFrames(QPainter *painter, const QTextDocument &doc, const QPointF &origin,
                                      const QPalette &palette, const QRectF &visible, quint64 uid,
                                      const QFont &font, bool buttons) const
{
    const QColor base = palette.color(QPalette::Base);
    const QColor frame = mixColors(base, palette.color(QPalette::Text), 0.22);
    const QFont buttonFont = copyButtonFont(font);
    forEachCodeRun(doc, visible.bottom() - origin.y(), [&](const QRectF &run, int first) {
        if (run.bottom() + origin.y() < visible.top())
            return;
        painter->setPen(frame);
        painter->setBrush(Qt::NoBrush);
        if (!buttons) {
            painter->drawRoundedRect(run.translated(origin).adjusted(0.5, -2, -0.5, 2), 4, 4);
            return;
        }
        // Copy, top right: one click puts the block's text on the clipboard (ThreadView).
        const QRectF button = copyButtonRect(run, font).translated(origin);
        painter->setBrush(base);
        painter->drawRoundedRect(button.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
        painter->setFont(buttonFont);
        painter->setPen(mixColors(palette.color(QPalette::Text), base, 0.3));
        const bool copied = m_copied.first == uid && m_copied.second == first;
        painter->drawText(button, Qt::AlignCenter,
                          copied ? QStringLiteral("Copied") : QStringLiteral("Copy"));
        painter->setFont(font);
    });
}

QString MessageDelegate::codeCopyAt(const QStyleOptionViewItem &option, const QModelIndex &index,
                                    const QPoint &point, QPair<quint64, int> *where) const
{
    const ThreadItem *item = itemOf(index);
    if (!item)
        return {};
    const Geometry g = geometry(option, *item);
    const MessageRender &render = renderFor(*item, option, g.textWidth);
    for (const MessageRender::Part &part : render.parts()) {
        const QPointF at = QPointF(point - g.textOrigin) - QPointF(0, part.top);
        if (at.y() < 0 || at.y() > part.document->size().height())
            continue;
        QString text;
        forEachCodeRun(*part.document, at.y(), [&](const QRectF &run, int first) {
            if (text.isEmpty() && copyButtonRect(run, option.font).contains(at)) {
                text = codeBlockText(*part.document, first);
                if (where)
                    *where = {item->uid, first};
            }
        });
        return text;
    }
    return {};
}

void MessageDelegate::paintQuoteBars(QPainter *painter, const QTextDocument &doc, const QPointF &origin,
                                     const QColor &color, const QRectF &visible) const
{
    QAbstractTextDocumentLayout *layout = doc.documentLayout();
    QRectF run; // one bar down consecutive blocks of one quote, across their margins
    auto flush = [&] {
        if (!run.isNull())
            painter->fillRect(run.translated(origin), color);
        run = {};
    };
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        const qreal x = quoteBarX(block);
        if (x <= 0) {
            flush();
            continue;
        }
        const QRectF r = layout->blockBoundingRect(block);
        if (r.top() + origin.y() > visible.bottom())
            break;
        const QRectF bar(x, r.top(), 3, r.height());
        if (!run.isNull() && run.left() != x)
            flush(); // a quote nested deeper: a bar of its own
        run = run.isNull() ? bar : run.united(bar);
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
