#include "conversationdelegate.h"

#include "conversationmodel.h"
#include "messagedocument.h"

#include <QApplication>
#include <QPainter>
#include <QPainterPath>

namespace agency::ui {

namespace {
constexpr int kPadH = 8;
constexpr int kPadV = 5;
constexpr int kLineGap = 2;
constexpr int kBadgeGap = 6;
const QString kForkBadge = QStringLiteral("fork");

QFont smallFont(const QFont &font)
{
    QFont small = font;
    if (small.pointSizeF() > 0)
        small.setPointSizeF(std::max(7.0, small.pointSizeF() - 1));
    else
        small.setPixelSize(std::max(9, small.pixelSize() - 1));
    return small;
}

QFont titleFont(const QFont &font)
{
    QFont title = font;
    title.setWeight(QFont::DemiBold);
    return title;
}

/// The rectangles of one row: title line, detail line and (for a fork) the badge.
struct Layout
{
    QRect title;
    QRect detail;
    QRect badge;
};

Layout layoutOf(const QRect &rect, const QFont &font, bool fork)
{
    const QFontMetrics titleMetrics(titleFont(font));
    const QFontMetrics smallMetrics(smallFont(font));
    const QRect inner = rect.adjusted(kPadH, kPadV, -kPadH, -kPadV);
    Layout l;
    l.title = QRect(inner.left(), inner.top(), inner.width(), titleMetrics.height());
    l.detail = QRect(inner.left(), l.title.bottom() + 1 + kLineGap, inner.width(), smallMetrics.height());
    if (fork) {
        l.badge = QRect(l.detail.left(), l.detail.top(), smallMetrics.horizontalAdvance(kForkBadge) + 8,
                        l.detail.height());
        l.detail.setLeft(l.badge.right() + 1 + kBadgeGap);
    }
    return l;
}

} // namespace

int ConversationDelegate::rowHeight(const QFont &font)
{
    return 2 * kPadV + QFontMetrics(titleFont(font)).height() + kLineGap +
           QFontMetrics(smallFont(font)).height();
}

ConversationDelegate::Shown ConversationDelegate::shown(const QModelIndex &index, const QRect &rect,
                                                        const QFont &font)
{
    Shown s;
    s.fork = !index.data(ConversationModel::ForkedFromRole).toUuid().isNull();
    const Layout l = layoutOf(rect, font, s.fork);
    const QString title = index.data(ConversationModel::TitleRole).toString();
    s.title = QFontMetrics(titleFont(font))
                  .elidedText(title.isEmpty() ? QStringLiteral("(untitled)") : title, Qt::ElideRight,
                              l.title.width());
    const QFontMetrics small(smallFont(font));
    s.activity = index.data(ConversationModel::ActivityRole).toString();
    const int detailWidth = l.detail.width() - small.horizontalAdvance(s.activity) - kBadgeGap;
    s.detail = small.elidedText(index.data(ConversationModel::DetailRole).toString(), Qt::ElideRight,
                                std::max(0, detailWidth));
    return s;
}

QSize ConversationDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const
{
    return {option.rect.width(), rowHeight(option.font)};
}

void ConversationDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                                 const QModelIndex &index) const
{
    // The style draws the background (selection, alternate rows, hover, focus); the text is ours.
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);

    const Shown s = shown(index, option.rect, option.font);
    const Layout l = layoutOf(option.rect, option.font, s.fork);
    const bool selected = option.state & QStyle::State_Selected;
    const QPalette &palette = option.palette;
    const QColor text = palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    const QColor muted = mixColors(text, palette.color(selected ? QPalette::Highlight : QPalette::Base), 0.4);

    painter->save();
    painter->setFont(titleFont(option.font));
    painter->setPen(text);
    painter->drawText(l.title, Qt::AlignLeft | Qt::AlignVCenter, s.title);
    painter->setFont(smallFont(option.font));
    if (s.fork) {
        // Outlined in the accent, so it reads on a selected row too.
        const QColor accent = selected ? text : QColor(QStringLiteral("#7c5cd6"));
        painter->setRenderHint(QPainter::Antialiasing);
        painter->setPen(accent);
        painter->setBrush(Qt::NoBrush);
        painter->drawRoundedRect(QRectF(l.badge).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
        painter->drawText(l.badge, Qt::AlignCenter, kForkBadge);
    }
    painter->setPen(muted);
    painter->drawText(l.detail, Qt::AlignLeft | Qt::AlignVCenter, s.detail);
    painter->drawText(l.detail, Qt::AlignRight | Qt::AlignVCenter, s.activity);
    painter->restore();
}

} // namespace agency::ui
