#pragma once

#include "servicetypes.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <optional>

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
    /// Starts a turn; `conversationId` null starts a new conversation of `flowType`. Every send
    /// carries a turn id made here (unless the request has one). Sending the text of a turn that
    /// failed again, to the same tenant, flow and conversation, reuses that turn's id, so a
    /// message the failed turn did store (its outcome may have been unknown) is not stored twice:
    /// the service continues or returns that turn (docs/design.md#turn).
    void send(const TurnRequest &request);
    /// The turn id of the last send (for tests and diagnostics).
    QUuid lastTurnId() const { return m_turnId; }
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

    /// The turn id `request` should carry: the failed turn's when it is that turn sent again.
    QUuid turnIdFor(const TurnRequest &request) const;

    /// The last turn that failed, as sent: what a resend must match to reuse its turn id.
    struct FailedSend
    {
        QString tenantId;
        QString flowType;
        QString message;
        QUuid requested; ///< the conversation it was sent to (null: a new chat)
        QUuid created;   ///< the conversation it was answered in, once known
        QUuid turnId;
    };

    service::AgencyService &m_service;
    std::optional<FailedSend> m_failed;
    QUuid m_turnId;
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
