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
    m_cancel = core::CancelToken::create();
    request.cancel = m_cancel;
    m_conversationId = request.conversationId;
    m_attached = true;
    m_pendingText.clear();
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
    core::whenFinished(this, m_service.chat(request, handler),
                       [this, turn, tenantId, typed](const core::Result<TurnResult> &result) {
                           if (turn != m_turn)
                               return;
                           flush();
                           setBusy(false);
                           if (result) {
                               m_conversationId = result->conversationId;
                               if (m_attached)
                                   m_thread.finishTurn(result->messages);
                               Q_EMIT turnFinished(tenantId, result->conversationId);
                               return;
                           }
                           const QString message = readableError(result.error());
                           if (m_attached)
                               showFailure(tenantId, message);
                           if (!m_conversationId.isNull())
                               Q_EMIT turnFinished(tenantId, m_conversationId); // the user message is stored
                           Q_EMIT turnFailed(message, typed, result.error().code);
                       });
}

void ChatSession::showFailure(const QString &tenantId, const QString &message)
{
    m_thread.dropProvisionalRows();
    if (m_conversationId.isNull()) {
        m_thread.appendNotice(message);
        return;
    }
    // Show what was stored (the user message, finished tool rounds), then the error under it.
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(&m_thread, &ThreadModel::loaded, this, [this, connection, message] {
        disconnect(*connection);
        m_thread.appendNotice(message);
    });
    m_thread.load(tenantId, m_conversationId);
}

void ChatSession::stop()
{
    if (m_busy && m_cancel)
        m_cancel->cancel();
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
    m_pendingText.clear();
}

} // namespace agency::ui
