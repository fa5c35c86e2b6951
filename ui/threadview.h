#pragma once

#include <QElapsedTimer>
#include <QListView>

class QLabel;
class QTextDocument;
class QTimer;
class QToolButton;

namespace agency::ui {

class MessageDelegate;
class ThreadModel;

/// The virtualized thread: a QListView of ThreadModel rows painted by MessageDelegate. Follows the
/// end while a reply streams (unless the user scrolled up), re-lays out only changed rows, and
/// offers per-message actions: copy message, copy code block, show tool results, edit and resend.
class ThreadView : public QListView
{
    Q_OBJECT

public:
    explicit ThreadView(QWidget *parent = nullptr);

    void setThreadModel(ThreadModel *model);
    MessageDelegate *messageDelegate() const { return m_delegate; }

    /// Highlights the row showing `messageId` and scrolls it to the centre once the rows above it
    /// are laid out (at once when they are; a long thread is laid out in batches). Until then
    /// the view does not follow the end. False when the message is not loaded.
    bool showMessage(qint64 messageId);
    /// Copies row `row`'s message (or its code block under `point`, when `codeOnly`).
    void copyRow(int row, bool codeOnly, const QPoint &point = {});
    /// The text selected by dragging over a message (plain text, empty when none).
    QString selectedText() const;
    /// Where row `row`'s "Open Settings…" button is (viewport coordinates), empty when it has none.
    QRect settingsButtonRect(int row) const;
    /// Shown over the empty thread while a conversation takes longer than kLoadingSignMs to open;
    /// after kLoadingWaitMs it says how long the database has not answered.
    QLabel *loadingSign() const { return m_loadingSign; }
    static constexpr int kLoadingSignMs = 400;
    static constexpr int kLoadingWaitMs = 3000;
    /// Scrolls to the newest message and follows the end again (the ↓ button, Ctrl+End).
    void jumpToEnd();
    /// The floating ↓ button, shown while the view is scrolled away from the end.
    QToolButton *jumpButton() const { return m_jump; }

Q_SIGNALS:
    /// "Edit and resend" was chosen on the user message at `row`.
    void editAndResendRequested(int row);
    /// A citation link "[number]" was clicked in the assistant message at `row`.
    void citationActivated(int row, int number);
    /// The "Open Settings…" button of an error notice was clicked (or chosen in its menu).
    void settingsRequested();
    /// A conversation has been opening for kLoadingSignMs (the database may be slow or frozen).
    void slowLoad();
    /// "Regenerate answer" was chosen on the last answer.
    void regenerateRequested();

protected:
    void contextMenuEvent(QContextMenuEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void updateGeometries() override;

private:
    bool nearBottom() const;
    /// The document part and character under `point` of row `index` (-1 when none).
    int characterAt(const QModelIndex &index, const QPoint &point, const QTextDocument **document) const;
    void clearSelection();
    /// Scrolls to m_pending when the whole thread is laid out (the scroll range is only final then).
    void scrollToPending();
    void followEnd();
    void onLoadingChanged(bool loading);
    void updateLoadingSign();
    void placeJumpButton();

    ThreadModel *m_model = nullptr;
    MessageDelegate *m_delegate;
    bool m_follow = true;
    QPersistentModelIndex m_pending; ///< the row showMessage() still has to scroll to
    // Text selection (one message part at a time, like a document's paragraph run).
    QPersistentModelIndex m_selRow;
    int m_selPart = -1;
    int m_selAnchor = 0;
    int m_selPosition = 0;
    bool m_dragging = false;
    QLabel *m_loadingSign;
    QTimer *m_loadingTick;
    QElapsedTimer m_loadingFor; ///< valid while the model loads
    QToolButton *m_jump;
};

} // namespace agency::ui
