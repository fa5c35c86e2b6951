// Approval before writes, the turn's side (docs/flows-and-tools.md#approvals): a call of a tool
// that acts on another system is not run by the turn. The round is stored with the results of the
// other calls, each waiting call becomes a pending approval, the conversation is released and the
// turn ends paused. Once every waiting call is decided, ToolApprovals starts the same turn again
// (TurnRequest::resume) with their results, which storeDecidedCalls() stores before the model is
// called again.

#include "db/conversationrepository.h"
#include "historywindow.h"
#include "tools/toolregistry.h"
#include "turn.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>

namespace agency::flows {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

/// What a caller without events (the OpenAI-compatible API, a run) reads as the turn's answer.
QString pausedText(const QList<core::ToolApproval> &approvals)
{
    QStringList lines{QStringLiteral("This needs your approval before it is sent:")};
    for (const core::ToolApproval &a : approvals) {
        lines.append(QStringLiteral("- %1 %2 (approval %3)")
                         .arg(a.toolName,
                              QString::fromUtf8(QJsonDocument(a.arguments).toJson(QJsonDocument::Compact)),
                              a.approvalId.toString(QUuid::WithoutBraces)));
    }
    lines.append(
        QStringLiteral("Approve or reject it in the console, with `aiagency approvals approve|reject ID`, "
                       "or POST /approvals/{id}/approve|reject; the reply continues then."));
    return lines.join(u'\n');
}

} // namespace

bool Turn::needsApproval(const core::ToolCall &call) const
{
    const std::shared_ptr<tools::Tool> tool = m_deps.tools->find(call.name);
    return tool && tool->requiresApproval();
}

void Turn::refuseWhileAwaitingApproval(const QUuid &conversationId, std::function<void()> next)
{
    // Only a flow with a tool that needs approval can have left calls waiting (a conversation keeps
    // its flow): the other flows' turns skip the look-up.
    const bool flowMayPause =
        std::any_of(m_flow.tools.cbegin(), m_flow.tools.cend(), [this](const QString &name) {
            const std::shared_ptr<tools::Tool> tool = m_deps.tools->find(name);
            return tool && tool->requiresApproval();
        });
    if (m_request.resume || conversationId.isNull() || !m_deps.approvals || !flowMayPause)
        return next();
    databaseStep<QList<core::ToolApproval>>(
        [this, conversationId] { return m_deps.approvals->pendingIn(m_request.tenantId, conversationId); },
        [this, conversationId, next](const Result<QList<core::ToolApproval>> &pending) {
            if (!pending)
                return fail(pending.error());
            if (cancelled())
                return;
            if (pending->isEmpty())
                return next();
            // The model's pending calls would be answered out of order by a new message: decide
            // them first (rejecting is one command away).
            QStringList ids;
            for (const core::ToolApproval &a : pending.value())
                ids.append(a.approvalId.toString(QUuid::WithoutBraces));
            const QString conversation = conversationId.toString(QUuid::WithoutBraces);
            fail(makeError(
                ErrorCode::Conflict,
                QStringLiteral("conversation %1 is waiting for approval of %2 (%3); approve or reject "
                               "first, then send your message")
                    .arg(conversation,
                         pending->size() == 1 ? QStringLiteral("a tool call")
                                              : QStringLiteral("%1 tool calls").arg(pending->size()),
                         ids.join(QStringLiteral(", "))),
                {{QStringLiteral("reason"), QStringLiteral("awaiting_approval")},
                 {QStringLiteral("conversation_id"), conversation},
                 {QStringLiteral("approval_ids"), QJsonArray::fromStringList(ids)}}));
        });
}

void Turn::storePausedRound(const llm::Completion &completion, const QList<tools::ToolResult> &results,
                            const QHash<int, QJsonObject> &waiting)
{
    m_state = State::Persist;
    if (cancelled())
        return;
    QSet<int> skipped;
    for (auto it = waiting.cbegin(); it != waiting.cend(); ++it)
        skipped.insert(it.key());
    QList<db::NewMessage> round = roundMessages(completion, results, skipped);
    round.first().metadata.insert(QStringLiteral("awaiting_approval"), true);
    // The conversation is released with this write: nothing more is written until the decisions.
    const db::TurnWrite write = nextWrite(true);
    writeStep<QList<core::Message>>(
        [this, round, write](const core::CommitGatePtr &gate) {
            db::TurnWrite gated = write;
            gated.gate = gate;
            return m_deps.conversations->saveTurnMessages(m_request.tenantId, m_result.conversationId, round,
                                                          gated);
        },
        [this, completion, waiting](const Result<QList<core::Message>> &saved, bool mayBeStored) {
            if (!saved) {
                core::Error error = saved.error();
                if (error.code == ErrorCode::DatabaseUnavailable) {
                    error.message = QStringLiteral("the tool round %1: %2")
                                        .arg(mayBeStored ? QStringLiteral("may have been stored")
                                                         : QStringLiteral("was not stored"),
                                             error.message);
                }
                return fail(error);
            }
            m_leaseHeld = false;
            m_stored += static_cast<int>(saved->size());
            m_messageCount += saved->size();
            m_result.messages += saved.value();
            ++m_result.toolRounds;
            const qint64 messageId = saved->constFirst().id;
            QList<db::NewApproval> approvals;
            for (auto it = waiting.cbegin(); it != waiting.cend(); ++it) {
                const core::ToolCall &call = completion.toolCalls.at(it.key());
                db::NewApproval approval;
                approval.tenantId = m_request.tenantId;
                approval.conversationId = m_result.conversationId;
                approval.flowType = m_flow.flowType;
                approval.turnId = m_lease.turnId;
                approval.messageId = messageId;
                approval.toolName = call.name;
                approval.arguments = it.value();
                approval.toolCallId = call.id;
                approval.ttlS = m_deps.options.approvalTtlS;
                approvals.append(approval);
            }
            std::sort(approvals.begin(), approvals.end(), [&completion](const auto &a, const auto &b) {
                const auto index = [&completion](const QString &id) {
                    for (qsizetype i = 0; i < completion.toolCalls.size(); ++i) {
                        if (completion.toolCalls.at(i).id == id)
                            return i;
                    }
                    return qsizetype(-1);
                };
                return index(a.toolCallId) < index(b.toolCallId);
            });
            pauseForApprovals(approvals);
        });
}

void Turn::pauseForApprovals(const QList<db::NewApproval> &approvals)
{
    if (!m_deps.approvals) {
        return fail(
            makeError(ErrorCode::NotConfigured,
                      QStringLiteral("a tool call needs approval, and approvals are not available here")));
    }
    // Not retried: an insert whose acknowledgement was lost would store the approvals twice. If it
    // fails, the calls stay unanswered in the conversation and are never run (later prompts leave
    // a round without all its results out).
    then(m_deps.approvals->create(approvals), [this](const Result<QList<core::ToolApproval>> &created) {
        if (!created)
            return fail(created.error());
        m_result.approvals = created.value();
        for (const core::ToolApproval &approval : created.value()) {
            core::TurnEvent event;
            event.kind = core::TurnEvent::Kind::ApprovalRequired;
            event.approval = approval;
            event.round = m_result.providerCalls;
            for (const core::Message &m : m_result.messages) {
                for (const core::ToolCall &call : m.toolCalls) {
                    if (call.id == approval.toolCallId)
                        event.toolCall = call;
                }
            }
            emitEvent(event);
        }
        m_result.content = pausedText(created.value());
        m_result.finishReason = QStringLiteral("awaiting_approval");
        finish();
    });
}

void Turn::storeDecidedCalls(const QList<core::Message> &history, const db::StoredTurn &stored)
{
    // A continuation sent twice (two decisions at once) stores each result once.
    QSet<QString> answered;
    for (const core::Message &m : stored.messages) {
        if (m.role == core::Role::Tool)
            answered.insert(m.toolCallId);
    }
    QList<db::NewMessage> results;
    for (const core::DecidedToolCall &decided : m_request.decidedCalls) {
        if (answered.contains(decided.toolCallId))
            continue;
        db::NewMessage tool;
        tool.role = core::Role::Tool;
        tool.toolCallId = decided.toolCallId;
        tool.content = QString::fromUtf8(QJsonDocument(decided.result).toJson(QJsonDocument::Compact));
        tool.metadata = {
            {QStringLiteral("tool"), decided.toolName},
            {QStringLiteral("success"), decided.result.value(QStringLiteral("success")).toBool()},
            {QStringLiteral("approval"), true}};
        results.append(tool);
    }
    if (results.isEmpty()) {
        m_messages = buildPromptMessages(m_flow.systemPrompt, history);
        return reserveTokens();
    }
    for (const db::NewMessage &result : results) {
        core::TurnEvent event;
        event.kind = core::TurnEvent::Kind::ToolResult;
        event.toolCall.id = result.toolCallId;
        event.toolCall.name = result.metadata.value(QStringLiteral("tool")).toString();
        event.toolResult = QJsonDocument::fromJson(result.content.toUtf8()).object();
        event.round = m_result.providerCalls;
        emitEvent(event);
    }
    const db::TurnWrite write = nextWrite(false);
    writeStep<QList<core::Message>>(
        [this, results, write](const core::CommitGatePtr &gate) {
            db::TurnWrite gated = write;
            gated.gate = gate;
            return m_deps.conversations->saveTurnMessages(m_request.tenantId, m_result.conversationId,
                                                          results, gated);
        },
        [this, history](const Result<QList<core::Message>> &saved, bool) {
            if (!saved)
                return fail(saved.error());
            m_stored += static_cast<int>(saved->size());
            m_messageCount += saved->size();
            m_result.messages += saved.value();
            m_messages = buildPromptMessages(m_flow.systemPrompt, history + saved.value());
            reserveTokens();
        });
}

} // namespace agency::flows
