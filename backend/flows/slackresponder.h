#pragma once

#include "core/async/future.h"
#include "core/async/resultpromise.h"
#include "core/clock.h"
#include "core/slackevent.h"
#include "core/tenantsecrets.h"
#include "core/turnvalues.h"

#include <QJsonObject>
#include <QObject>
#include <QUuid>

namespace agency::db {
class SlackEventRepository;
}
namespace agency::tools::slack {
class SlackClient;
}

namespace agency::flows {

class TurnEngine;

/// What the responder is built from; all borrowed, all must outlive it.
struct SlackResponderDependencies
{
    db::SlackEventRepository *events = nullptr;
    core::TenantSecretSource *secrets = nullptr; ///< slack_signing_secret of each tenant
    TurnEngine *engine = nullptr;
    tools::slack::SlackClient *client = nullptr; ///< reads the thread, posts the answer
    const core::Clock *clock = nullptr;
    QString flowType = QStringLiteral("slack");
};

/// Slack's Events API on the server (docs/slack.md): verifies each delivery with the signing
/// secret of the tenant its workspace maps to (tenant setting slack_team_id), records it once
/// (slack_events: a retried delivery runs nothing), answers at once, and then, on this thread's
/// event loop, runs the Slack flow on the thread of each app_mention and posts the answer in that
/// thread. The answer is the agent's reply to the person who asked, not a tool's write, so it
/// needs no approval. An answer that pauses for approval of a write says so in the thread; once
/// a person has decided, the answer that follows is posted there too (deliverContinued()).
///
/// Nothing acknowledged is lost: the row keeps the mention and this process's claim on it
/// (SlackEventRepository::kClaimSeconds). A mention whose process stopped before answering is
/// taken over by resumeUnanswered() in any process once the claim has run out; its turn id comes
/// from the event id, so a turn already completed is found rather than run twice.
///
/// Thread affinity: create and call on the event-loop thread that runs turns.
class SlackResponder : public QObject
{
    Q_OBJECT

public:
    explicit SlackResponder(SlackResponderDependencies deps, QObject *parent = nullptr);

    /// Unauthenticated for a stale timestamp or a signature no tenant's signing secret makes;
    /// BadRequest for a body that is not an event.
    core::Async<core::SlackAck> receive(const core::SlackDelivery &delivery);

    /// Posts in its thread the answer of a mention's conversation that went on after a person
    /// decided on the calls it paused for (ToolApprovals::turnContinued); a conversation no
    /// mention started is left alone.
    void deliverContinued(const QString &tenantId, const QUuid &conversationId,
                          const core::Result<core::TurnResult> &turn);

    /// Mentions queued or being answered now.
    int pending() const { return m_pending; }
    /// Answers the mentions acknowledged but left unanswered by a process that stopped (their
    /// claim ran out). The server calls it at start and every minute.
    void resumeUnanswered();

Q_SIGNALS:
    /// The work of an event ended: status answered, failed or ignored.
    void eventFinished(const QString &tenantId, const QString &eventId, const QString &status);

private:
    struct Mention
    {
        QString tenantId;
        QString eventId;
        QString channel;
        QString threadTs;
        QString user;
        QString text;
    };
    /// Tries each candidate tenant's signing secret in turn.
    void verifyAgainst(QStringList tenants, std::shared_ptr<core::SlackDelivery> delivery,
                       core::ResultPromise<QString> found);
    core::Async<core::SlackAck> accept(const QString &tenantId, const QJsonObject &payload);
    void answer(const Mention &mention);
    void runTurn(const Mention &mention, const QString &transcript);
    core::Async<QJsonObject> postInThread(const QString &tenantId, const QString &channel,
                                          const QString &threadTs, const QString &text);
    void finish(const Mention &mention, const QString &status, const QUuid &conversationId,
                const QString &error);

    SlackResponderDependencies m_deps;
    int m_pending = 0;
};

} // namespace agency::flows
