#include "chatsession.h"
#include "core/async/whenfinished.h"

#include "errortext.h"
#include "threadmodel.h"

namespace agency::ui {

ChatSession::ChatSession(service::AgencyService &service, ThreadModel &thread, QObject *parent)
    : QObject(parent), m_service(service), m_thread(thread)
{
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(kCoalesceMs);
    connect(&m_flushTimer, &QTimer::timeout, this, &ChatSession::flush);
}

void ChatSession::setBusy(bool busy)
{
    if (m_busy == busy)
        return;
    m_busy = busy;
    Q_EMIT busyChanged(busy);
}

void ChatSession::send(const TurnRequest &base)
{
    if (m_busy)
        return;
    TurnRequest request = base;
    if (request.turnId.isNull())
        request.turnId = turnIdFor(request);
    m_turnId = request.turnId;
    m_cancel = core::CancelToken::create();
    request.cancel = m_cancel;
    m_conversationId = request.conversationId;
    m_attached = true;
    m_pendingText.clear();
    m_unseenText.clear();
    m_stopRequested = false;
    m_provider = request.provider;
    const int turn = ++m_turn;
    setBusy(true);
    m_thread.beginTurn(request.message);
    QPointer<ChatSession> self(this);
    auto handler = [self, turn](const TurnEvent &event) {
        if (self && self->m_turn == turn)
            self->onEvent(event);
    };
    const QString tenantId = request.tenantId;
    const QString typed = request.message;
    FailedSend sent{tenantId, request.flowType, typed, request.conversationId, {}, request.turnId};
    core::whenFinished(this, m_service.chat(request, handler),
                       [this, turn, tenantId, typed, sent](const core::Result<TurnResult> &result) mutable {
                           if (turn != m_turn)
                               return;
                           flush();
                           if (result) {
                               m_failed.reset();
                               setBusy(false);
                               m_conversationId = result->conversationId;
                               if (m_attached)
                                   m_thread.finishTurn(result->messages);
                               Q_EMIT turnFinished(tenantId, result->conversationId);
                               return;
                           }
                           if (result.error().code == core::ErrorCode::Cancelled && m_stopRequested)
                               return keepStopped(tenantId);
                           setBusy(false);
                           // Sent again, it is this turn again (its message may be stored).
                           sent.created = m_conversationId;
                           m_failed = sent;
                           const QString message = readableError(result.error());
                           if (m_attached)
                               showFailure(tenantId, message, fixedInSettings(result.error().code));
                           if (!m_conversationId.isNull())
                               Q_EMIT turnFinished(tenantId, m_conversationId); // the user message is stored
                           Q_EMIT turnFailed(message, typed, result.error().code, tenantId, m_conversationId);
                       });
}

QUuid ChatSession::turnIdFor(const TurnRequest &request) const
{
    if (m_failed && m_failed->tenantId == request.tenantId && m_failed->flowType == request.flowType &&
        m_failed->message == request.message &&
        (request.conversationId == m_failed->requested ||
         (!m_failed->created.isNull() && request.conversationId == m_failed->created)))
        return m_failed->turnId;
    return QUuid::createUuid();
}

void ChatSession::showFailure(const QString &tenantId, const QString &message, bool offerSettings)
{
    // What is shown stays (the database may be what failed): the rows stop streaming, the notice
    // goes under them, and they are replaced by what was stored only if that can be read.
    m_thread.settleProvisionalRows();
    m_thread.appendNotice(message, offerSettings);
    if (!m_conversationId.isNull())
        m_thread.refreshStored(tenantId, m_conversationId, message, offerSettings);
}

void ChatSession::keepStopped(const QString &tenantId)
{
    const QUuid conversationId = m_conversationId;
    const int turn = m_turn;
    const int row = m_attached ? m_thread.settleProvisionalRows() : -1;
    const QString partial = row >= 0 ? m_thread.item(row).content : m_unseenText;
    if (row >= 0)
        m_thread.markStopped(row, {});
    if (conversationId.isNull() || partial.trimmed().isEmpty()) {
        setBusy(false);
        Q_EMIT turnStopped(tenantId, conversationId, false);
        return;
    }
    core::whenFinished(
        this,
        m_service.keepStoppedAnswer(tenantId, conversationId.toString(QUuid::WithoutBraces), partial,
                                    m_provider),
        [this, tenantId, conversationId, turn](const core::Result<Message> &stored) {
            if (turn != m_turn)
                return;
            if (stored && m_attached && m_thread.conversationId() == conversationId) {
                const int shown = m_thread.rowCount() - 1;
                if (shown >= 0 && m_thread.item(shown).metadata.value(QStringLiteral("stopped")).toBool())
                    m_thread.markStopped(shown, stored.value());
            }
            if (!stored && m_attached)
                m_thread.appendNotice(QStringLiteral("The stopped answer is shown but could not be "
                                                     "stored: %1")
                                          .arg(readableError(stored.error())));
            setBusy(false);
            Q_EMIT turnFinished(tenantId, conversationId);
            Q_EMIT turnStopped(tenantId, conversationId, bool(stored));
        });
}

void ChatSession::stop()
{
    if (m_busy && m_cancel) {
        m_stopRequested = true;
        m_cancel->cancel();
    }
}

void ChatSession::onEvent(const TurnEvent &event)
{
    switch (event.kind) {
    case TurnEvent::Kind::Started:
        if (m_conversationId.isNull() || m_conversationId != event.conversationId) {
            m_conversationId = event.conversationId;
            if (m_attached)
                m_thread.setTurnConversation(event.conversationId);
        }
        Q_EMIT conversationStarted(event.conversationId);
        break;
    case TurnEvent::Kind::TextDelta:
        if (event.round != m_pendingRound)
            flush();
        m_pendingRound = event.round;
        m_pendingText += event.text;
        if (!m_flushTimer.isActive())
            m_flushTimer.start();
        break;
    case TurnEvent::Kind::ToolCallStarted:
        flush();
        if (m_attached)
            m_thread.toolStarted(event.round, event.toolCall);
        break;
    case TurnEvent::Kind::ToolResult:
        flush();
        if (m_attached)
            m_thread.toolFinished(event.toolCall, event.toolResult);
        break;
    case TurnEvent::Kind::ApprovalRequired:
        flush(); // the outcome (TurnResult::approvals) shows the calls that wait
        break;
    case TurnEvent::Kind::Done:
    case TurnEvent::Kind::Error:
        break; // the future carries the outcome
    }
}

void ChatSession::flush()
{
    m_flushTimer.stop();
    if (m_pendingText.isEmpty())
        return;
    if (m_attached)
        m_thread.appendText(m_pendingRound, m_pendingText);
    // Detached, the text of the current round is still needed should the user stop the reply.
    if (m_pendingRound != m_unseenRound)
        m_unseenText.clear();
    m_unseenRound = m_pendingRound;
    m_unseenText += m_pendingText;
    m_pendingText.clear();
}

} // namespace agency::ui
