#pragma once

#include <QStyledItemDelegate>

namespace agency::ui {

/// Paints a conversation as two lines from ConversationModel's roles: the title over the whole
/// row, then a "fork" badge (for a conversation made by "edit and resend" or "regenerate"), the
/// flow and message count, and the last activity on the right. Rows have one fixed height
/// (rowHeight()), so the list lays out a million rows without asking for each one's size.
class ConversationDelegate : public QStyledItemDelegate
{
    Q_OBJECT

public:
    using QStyledItemDelegate::QStyledItemDelegate;

    /// What a row shows at width `rect` in `font`, as painted (elided texts included).
    struct Shown
    {
        QString title;
        QString detail;
        QString activity;
        bool fork = false;
    };
    static Shown shown(const QModelIndex &index, const QRect &rect, const QFont &font);
    static int rowHeight(const QFont &font);

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
};

} // namespace agency::ui
