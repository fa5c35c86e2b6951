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
    /// Cancels the running turn. What had streamed stays on screen and is stored as the answer,
    /// marked stopped (AgencyService::keepStoppedAnswer).
    void stop();
    /// The thread now shows another conversation: the running turn goes on, unseen.
    void detach() { m_attached = false; }
    QUuid activeConversation() const { return m_conversationId; }

Q_SIGNALS:
    void busyChanged(bool busy);
    /// The turn's conversation is known (for a new chat: just created).
    void conversationStarted(const QUuid &conversationId);
    void turnFinished(const QString &tenantId, const QUuid &conversationId);
    /// `message` is readable; `typedText` is what was sent to `conversationId` of `tenantId` (null:
    /// a new chat that was not created), for the chat box to give back as that conversation's draft.
    void turnFailed(const QString &message, const QString &typedText, core::ErrorCode code,
                    const QString &tenantId, const QUuid &conversationId);
    /// The user stopped the reply: what had streamed is kept (stored when `stored`).
    void turnStopped(const QString &tenantId, const QUuid &conversationId, bool stored);

private:
    void onEvent(const TurnEvent &event);
    void flush();
    void setBusy(bool busy);
    void showFailure(const QString &tenantId, const QString &message, bool offerSettings);
    /// Keeps the stopped reply on screen and stores its text; ends the turn when done.
    void keepStopped(const QString &tenantId);

    service::AgencyService &m_service;
    ThreadModel &m_thread;
    QTimer m_flushTimer;
    QString m_pendingText;
    int m_pendingRound = 1;
    core::CancelTokenPtr m_cancel;
    QUuid m_conversationId;
    QString m_provider;   ///< the provider answering the running turn (for a stopped answer)
    QString m_unseenText; ///< the current round's text so far (kept even when detached)
    int m_unseenRound = 0;
    bool m_stopRequested = false;
    bool m_busy = false;
    bool m_attached = false;
    int m_turn = 0;
};

} // namespace agency::ui
