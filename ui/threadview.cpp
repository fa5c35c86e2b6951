#include "threadview.h"

#include "documents/citationlinks.h"
#include "messagedelegate.h"
#include "messagedocument.h"
#include "threadmodel.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QMenu>
#include <QMouseEvent>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocumentFragment>
#include <QTimer>
#include <QToolButton>

namespace agency::ui {

ThreadView::ThreadView(QWidget *parent)
    : QListView(parent), m_delegate(new MessageDelegate(this)), m_jump(new QToolButton(this))
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
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        m_follow = nearBottom();
        placeJumpButton();
    });
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, &ThreadView::placeJumpButton);
    m_jump->setObjectName(QStringLiteral("jumpToEndButton"));
    m_jump->setText(QStringLiteral("↓"));
    m_jump->setToolTip(QStringLiteral("Jump to the latest message (Ctrl+End)"));
    m_jump->setCursor(Qt::PointingHandCursor);
    m_jump->setFixedSize(36, 36);
    QFont arrow = m_jump->font();
    arrow.setPointSizeF(arrow.pointSizeF() > 0 ? arrow.pointSizeF() * 1.4 : 14);
    m_jump->setFont(arrow);
    m_jump->hide();
    connect(m_jump, &QToolButton::clicked, this, &ThreadView::jumpToEnd);
    m_loadingSign = new QLabel(viewport());
    m_loadingSign->setObjectName(QStringLiteral("threadLoadingSign"));
    m_loadingSign->setAlignment(Qt::AlignCenter);
    m_loadingSign->setWordWrap(true);
    m_loadingSign->setForegroundRole(QPalette::PlaceholderText);
    m_loadingSign->hide();
    m_loadingTick = new QTimer(this);
    connect(m_loadingTick, &QTimer::timeout, this, &ThreadView::updateLoadingSign);
}

void ThreadView::onLoadingChanged(bool loading)
{
    if (!loading) {
        m_loadingFor.invalidate();
        m_loadingTick->stop();
        m_loadingSign->hide();
        return;
    }
    m_loadingFor.start();
    m_loadingTick->start(kLoadingSignMs);
}

void ThreadView::updateLoadingSign()
{
    if (!m_loadingFor.isValid())
        return;
    const qint64 waited = m_loadingFor.elapsed();
    if (m_model && m_model->rowCount() > 0) { // later pages of a long thread: its rows are the sign
        m_loadingSign->hide();
        return;
    }
    if (!m_loadingSign->isVisible()) {
        m_loadingTick->setInterval(1000); // from now on the seconds are counted
        Q_EMIT slowLoad();
    }
    QString text = QStringLiteral("Opening the conversation…");
    if (waited >= kLoadingWaitMs)
        text += QStringLiteral("\nThe database has not answered for %1 s.").arg(waited / 1000);
    m_loadingSign->setText(text);
    m_loadingSign->setGeometry(viewport()->rect().adjusted(24, 0, -24, 0));
    m_loadingSign->show();
}

void ThreadView::jumpToEnd()
{
    m_pending = QPersistentModelIndex();
    m_follow = true;
    scrollToBottom();
    placeJumpButton();
}

void ThreadView::placeJumpButton()
{
    const QRect area = viewport()->geometry();
    m_jump->move(area.right() - m_jump->width() - 16, area.bottom() - m_jump->height() - 12);
    const bool away = verticalScrollBar()->maximum() > 0 && !nearBottom();
    if (m_jump->isVisibleTo(this) != away)
        m_jump->setVisible(away);
    if (away)
        m_jump->raise();
}

void ThreadView::setThreadModel(ThreadModel *model)
{
    m_model = model;
    setModel(model);
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        clearSelection();
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
    connect(model, &ThreadModel::loadingChanged, this, &ThreadView::onLoadingChanged);
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

QRect ThreadView::settingsButtonRect(int row) const
{
    if (!m_model || row < 0 || row >= m_model->rowCount())
        return {};
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(m_model->index(row));
    return m_delegate->settingsButtonRect(option, m_model->index(row));
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
    if (!selectedText().isEmpty())
        menu.addAction(QStringLiteral("Copy"), this,
                       [this] { QApplication::clipboard()->setText(selectedText()); });
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
    if (!settingsButtonRect(row).isEmpty())
        menu.addAction(QStringLiteral("Open Settings…"), this, &ThreadView::settingsRequested);
    const bool lastAnswer = item.role == core::Role::Assistant && item.kind == ThreadItem::Kind::Text &&
                            !item.streaming && row == m_model->rowCount() - 1;
    if (lastAnswer) {
        menu.addSeparator();
        menu.addAction(QStringLiteral("Regenerate answer"), this, [this] { Q_EMIT regenerateRequested(); });
    }
    if (item.role == core::Role::User && item.kind == ThreadItem::Kind::Text && !item.messageIds.isEmpty()) {
        menu.addSeparator();
        menu.addAction(QStringLiteral("Edit and resend…"), this,
                       [this, row] { Q_EMIT editAndResendRequested(row); });
    }
    menu.exec(event->globalPos());
}

int ThreadView::characterAt(const QModelIndex &index, const QPoint &point,
                            const QTextDocument **document) const
{
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(index);
    return m_delegate->hitTest(option, index, point, document);
}

void ThreadView::clearSelection()
{
    m_selRow = QPersistentModelIndex();
    m_selPart = -1;
    m_selAnchor = m_selPosition = 0;
    m_delegate->setSelection(0, -1, 0, 0);
    viewport()->update();
}

QString ThreadView::selectedText() const
{
    if (!m_selRow.isValid() || !m_model || m_selAnchor == m_selPosition)
        return {};
    // Looked up anew: a row re-renders (a new document) whenever it changes.
    const QTextDocument *doc = m_delegate->partDocument(m_model->item(m_selRow.row()).uid, m_selPart);
    if (!doc)
        return {};
    const int last = doc->characterCount() - 1;
    QTextCursor cursor(const_cast<QTextDocument *>(doc));
    cursor.setPosition(std::clamp(m_selAnchor, 0, last));
    cursor.setPosition(std::clamp(m_selPosition, 0, last), QTextCursor::KeepAnchor);
    return cursor.selection().toPlainText();
}

void ThreadView::mousePressEvent(QMouseEvent *event)
{
    QListView::mousePressEvent(event);
    if (event->button() != Qt::LeftButton)
        return;
    clearSelection();
    const QModelIndex index = indexAt(event->pos());
    const QTextDocument *doc = nullptr;
    const int position = index.isValid() ? characterAt(index, event->pos(), &doc) : -1;
    if (!doc || position < 0 || !m_model)
        return;
    m_dragging = true;
    m_selRow = QPersistentModelIndex(index);
    m_selPart = m_delegate->partIndex(m_model->item(index.row()).uid, doc);
    m_selAnchor = m_selPosition = position;
}

void ThreadView::mouseMoveEvent(QMouseEvent *event)
{
    if (!m_dragging || !(event->buttons() & Qt::LeftButton) || !m_selRow.isValid()) {
        QListView::mouseMoveEvent(event);
        return;
    }
    // Past the message's top or bottom the selection runs to its start or end.
    const QRect row = visualRect(m_selRow);
    QPoint point = event->pos();
    point.setY(std::clamp(point.y(), row.top(), row.bottom()));
    const quint64 uid = m_model->item(m_selRow.row()).uid;
    const QTextDocument *doc = nullptr;
    int position = characterAt(m_selRow, point, &doc);
    const QTextDocument *selected = m_delegate->partDocument(uid, m_selPart);
    if (!selected)
        return;
    if (doc != selected || position < 0) // another part: up to this part's start or end
        position = point.y() < visualRect(m_selRow).center().y() ? 0 : selected->characterCount() - 1;
    m_selPosition = position;
    m_delegate->setSelection(uid, m_selPart, m_selAnchor, m_selPosition);
    viewport()->update();
}

void ThreadView::mouseReleaseEvent(QMouseEvent *event)
{
    QListView::mouseReleaseEvent(event);
    const bool dragged = m_dragging && m_selAnchor != m_selPosition;
    m_dragging = false;
    if (dragged)
        return; // a selection, not a click
    const QModelIndex index = indexAt(event->pos());
    if (!index.isValid() || !m_model || event->button() != Qt::LeftButton)
        return;
    if (settingsButtonRect(index.row()).contains(event->pos())) {
        Q_EMIT settingsRequested();
        return;
    }
    QStyleOptionViewItem option;
    initViewItemOption(&option);
    option.rect = visualRect(index);
    QPair<quint64, int> block;
    if (const QString code = m_delegate->codeCopyAt(option, index, event->pos(), &block); !code.isEmpty()) {
        QApplication::clipboard()->setText(code);
        m_delegate->markCopied(block); // the button reads "Copied" for a moment
        viewport()->update();
        QTimer::singleShot(1500, this, [this, block] {
            m_delegate->markCopied({0, -1});
            viewport()->update();
        });
        return;
    }
    const QTextDocument *doc = nullptr;
    const int position = characterAt(index, event->pos(), &doc);
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

void ThreadView::keyPressEvent(QKeyEvent *event)
{
    if (event->matches(QKeySequence::Copy) && !selectedText().isEmpty()) {
        QApplication::clipboard()->setText(selectedText());
        return;
    }
    QListView::keyPressEvent(event);
}

void ThreadView::resizeEvent(QResizeEvent *event)
{
    const bool follow = m_follow && !m_pending.isValid();
    QListView::resizeEvent(event);
    m_loadingSign->setGeometry(viewport()->rect().adjusted(24, 0, -24, 0));
    if (follow)
        scrollToBottom();
    placeJumpButton();
}

} // namespace agency::ui
