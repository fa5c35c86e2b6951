#include "threadview.h"

#include "documents/citationlinks.h"
#include "messagedelegate.h"
#include "messagedocument.h"
#include "threadmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QMenu>
#include <QScrollBar>
#include <QTextBlock>
#include <QTimer>

namespace agency::ui {

ThreadView::ThreadView(QWidget *parent) : QListView(parent), m_delegate(new MessageDelegate(this))
{
    setItemDelegate(m_delegate);
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setSelectionMode(QAbstractItemView::NoSelection);
    setResizeMode(QListView::Adjust);
    // Batched layout keeps a long thread from being laid out in one go on the GUI thread.
    setLayoutMode(QListView::Batched);
    setBatchSize(10);
    setUniformItemSizes(false);
    setFrameShape(QFrame::NoFrame);
    setMouseTracking(false);
    verticalScrollBar()->setSingleStep(24);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] { m_follow = nearBottom(); });
}

void ThreadView::setThreadModel(ThreadModel *model)
{
    m_model = model;
    setModel(model);
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        m_delegate->clearCache();
        m_follow = true;
        m_pending = QPersistentModelIndex();
    });
    // A growing row changes height: re-lay out (cached documents make that cheap) and keep
    // following the end while the user has not scrolled away.
    connect(model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &topLeft) {
        const bool follow = m_follow;
        Q_EMIT m_delegate->sizeHintChanged(topLeft);
        if (follow)
            followEnd();
    });
    connect(model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow)
            followEnd();
    });
}

void ThreadView::followEnd()
{
    // Decided again when the timer fires: showMessage() may have stopped following meanwhile
    // (a thread's pages arrive, then a search hit far back is shown).
    QTimer::singleShot(0, this, [this] {
        if (m_follow && !m_pending.isValid())
            scrollToBottom();
    });
}

bool ThreadView::nearBottom() const
{
    const QScrollBar *bar = verticalScrollBar();
    return bar->value() >= bar->maximum() - 40;
}

bool ThreadView::showMessage(qint64 messageId)
{
    if (!m_model)
        return false;
    const int row = m_model->rowOfMessage(messageId);
    if (row < 0)
        return false;
    m_follow = false;
    m_model->setHighlightedMessage(messageId);
    m_pending = QPersistentModelIndex(m_model->index(row));
    executeDelayedItemsLayout();
    scrollToPending();
    return true;
}

void ThreadView::scrollToPending()
{
    if (!m_pending.isValid() || !m_model || m_model->rowCount() == 0)
        return;
    // Batched layout (setLayoutMode) lays rows out over several event-loop turns and sets the
    // scroll range only after the last batch; a rect is invalid for a row not laid out yet.
    const QModelIndex last = m_model->index(m_model->rowCount() - 1);
    if (!visualRect(m_pending).isValid() || !visualRect(last).isValid())
        return;
    const QModelIndex target = m_pending;
    m_pending = QPersistentModelIndex();
    scrollTo(target, QAbstractItemView::PositionAtCenter);
    m_follow = nearBottom();
}

void ThreadView::updateGeometries()
{
    QListView::updateGeometries();
    scrollToPending();
}

void ThreadView::copyRow(int row, bool codeOnly, const QPoint &point)
{
    if (!m_model || row < 0 || row >= m_model->rowCount())
        return;
    const ThreadItem &item = m_model->item(row);
    if (!codeOnly) {
        QApplication::clipboard()->setText(messageClipboardText(item));
        return;
    }
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(m_model->index(row));
    const QTextDocument *doc = nullptr;
    const int position = m_delegate->hitTest(option, m_model->index(row), point, &doc);
    if (doc)
        QApplication::clipboard()->setText(codeBlockText(*doc, position));
}

void ThreadView::contextMenuEvent(QContextMenuEvent *event)
{
    const QModelIndex index = indexAt(event->pos());
    if (!index.isValid() || !m_model)
        return;
    const int row = index.row();
    const ThreadItem &item = m_model->item(row);
    const QPoint point = event->pos();
    QMenu menu(this);
    menu.addAction(QStringLiteral("Copy message"), this, [this, row] { copyRow(row, false); });
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(index);
    const QTextDocument *doc = nullptr;
    m_delegate->hitTest(option, index, point, &doc);
    if (doc && !codeBlockText(*doc, -1).isEmpty())
        menu.addAction(QStringLiteral("Copy code block"), this,
                       [this, row, point] { copyRow(row, true, point); });
    if (!item.tools.isEmpty()) {
        menu.addAction(
            item.expanded ? QStringLiteral("Hide tool results") : QStringLiteral("Show tool results"), this,
            [this, row] {
                const QModelIndex i = m_model->index(row);
                m_model->setData(i, !i.data(ThreadModel::ExpandedRole).toBool(), ThreadModel::ExpandedRole);
            });
    }
    if (item.role == core::Role::User && item.kind == ThreadItem::Kind::Text && !item.messageIds.isEmpty()) {
        menu.addSeparator();
        menu.addAction(QStringLiteral("Edit and resend…"), this,
                       [this, row] { Q_EMIT editAndResendRequested(row); });
    }
    menu.exec(event->globalPos());
}

void ThreadView::mouseReleaseEvent(QMouseEvent *event)
{
    QListView::mouseReleaseEvent(event);
    const QModelIndex index = indexAt(event->pos());
    if (!index.isValid() || !m_model || event->button() != Qt::LeftButton)
        return;
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(index);
    const QTextDocument *doc = nullptr;
    const int position = m_delegate->hitTest(option, index, event->pos(), &doc);
    if (!doc || position < 0)
        return;
    if (const int number = citationAt(*doc, position); number > 0) {
        Q_EMIT citationActivated(index.row(), number);
        return;
    }
    // A click on a tool line expands or collapses the results of that message.
    if (doc->findBlock(position).blockFormat().hasProperty(kToolBlockProperty))
        m_model->setData(index, !index.data(ThreadModel::ExpandedRole).toBool(), ThreadModel::ExpandedRole);
}

void ThreadView::resizeEvent(QResizeEvent *event)
{
    const bool follow = m_follow && !m_pending.isValid();
    QListView::resizeEvent(event);
    if (follow)
        scrollToBottom();
}

} // namespace agency::ui
