#pragma once

#include "servicetypes.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace agency::ui {

class ThreadModel;

/// Runs chat turns through AgencyService and feeds their events into a ThreadModel. Text deltas
/// are coalesced and applied every ~50 ms (one re-render of the growing row per tick, however
/// fast tokens arrive); tool events are applied at once. One turn at a time.
class ChatSession : public QObject
{
    Q_OBJECT

public:
    ChatSession(service::AgencyService &service, ThreadModel &thread, QObject *parent = nullptr);

    static constexpr int kCoalesceMs = 50;

    bool isBusy() const { return m_busy; }
    /// Starts a turn; `conversationId` null starts a new conversation of `flowType`.
    void send(const TurnRequest &request);
    /// Cancels the running turn; what was complete stays stored.
    void stop();
    /// The thread now shows another conversation: the running turn goes on, unseen.
    void detach() { m_attached = false; }
    QUuid activeConversation() const { return m_conversationId; }

Q_SIGNALS:
    void busyChanged(bool busy);
    /// The turn's conversation is known (for a new chat: just created).
    void conversationStarted(const QUuid &conversationId);
    void turnFinished(const QString &tenantId, const QUuid &conversationId);
    /// `message` is readable; `typedText` is what was sent, for the chat box to give back.
    void turnFailed(const QString &message, const QString &typedText, core::ErrorCode code);

private:
    void onEvent(const TurnEvent &event);
    void flush();
    void setBusy(bool busy);
    void showFailure(const QString &tenantId, const QString &message);

    service::AgencyService &m_service;
    ThreadModel &m_thread;
    QTimer m_flushTimer;
    QString m_pendingText;
    int m_pendingRound = 1;
    core::CancelTokenPtr m_cancel;
    QUuid m_conversationId;
    bool m_busy = false;
    bool m_attached = false;
    int m_turn = 0;
};

} // namespace agency::ui
