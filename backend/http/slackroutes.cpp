// POST /slack/events: Slack's Events API. No API key: Slack signs each request with the
// workspace's signing secret, which the service checks against the raw body before anything
// else happens; an unsigned, stale or wrongly signed request gets 401 and runs nothing.
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "service/agencyservice.h"

#include <QJsonArray>

namespace agency::http {

namespace {

using namespace oa;

void receiveEvent(RouteContext &ctx, const CallPtr &call)
{
    core::SlackDelivery delivery;
    delivery.body = call->body();
    delivery.timestamp = call->header("X-Slack-Request-Timestamp");
    delivery.signature = call->header("X-Slack-Signature");
    delivery.retryNum = call->header("X-Slack-Retry-Num").toInt();
    ctx.then(call, ctx.service().receiveSlackEvent(delivery), [call](const core::SlackAck &ack) {
        call->setLogTenant(ack.tenantId);
        if (!ack.challenge.isEmpty()) {
            call->sendJson(200, QJsonObject{{QStringLiteral("challenge"), ack.challenge}});
            return;
        }
        call->sendJson(200, QJsonObject{{QStringLiteral("ok"), true},
                                        {QStringLiteral("duplicate"), ack.duplicate},
                                        {QStringLiteral("queued"), ack.queued}});
    });
}

/// The body is Slack's event envelope, whose members Slack may extend at any time, so it is
/// described in words rather than as a closed schema (the raw bytes are what the signature covers).
QJsonObject slackOperation(const QJsonArray &headers)
{
    QJsonObject op = operation(
        QStringLiteral(
            "Slack Events API: answers url_verification, acknowledges events at once and answers an "
            "app_mention in its thread (signed by Slack, no API key)"),
        QStringLiteral("slack"),
        {{QStringLiteral("200"),
          jsonResponse(QStringLiteral("acknowledged (or the url_verification challenge)"),
                       object({{QStringLiteral("ok"), boolean()},
                               {QStringLiteral("duplicate"), boolean()},
                               {QStringLiteral("queued"), boolean()},
                               {QStringLiteral("challenge"), string()}}),
                       QJsonObject{{QStringLiteral("ok"), true},
                                   {QStringLiteral("duplicate"), false},
                                   {QStringLiteral("queued"), true}})}},
        headers);
    op.insert(
        QStringLiteral("description"),
        QStringLiteral("The body is the JSON Slack sends, as sent: {\"type\": \"url_verification\", "
                       "\"challenge\": ...} or {\"type\": \"event_callback\", \"team_id\": ..., "
                       "\"event_id\": ..., \"event\": {\"type\": \"app_mention\", \"channel\": ..., "
                       "\"ts\": ..., \"thread_ts\": ..., \"user\": ..., \"text\": ...}}. A request whose "
                       "signature or timestamp does not verify gets 401 and nothing is run."));
    return op;
}

} // namespace

void registerSlackRoutes(Router &router, RouteContext &ctx)
{
    QJsonArray headers;
    for (const auto &[name, description] :
         {std::pair{"X-Slack-Request-Timestamp",
                    "seconds since the epoch; more than 5 minutes from now is refused"},
          std::pair{"X-Slack-Signature", "v0= and the hex HMAC-SHA256 of v0:{timestamp}:{raw body}"},
          std::pair{"X-Slack-Retry-Num",
                    "set by Slack on a redelivery; a redelivered event is not run again"}}) {
        headers.append(QJsonObject{{QStringLiteral("name"), QLatin1String(name)},
                                   {QStringLiteral("in"), QStringLiteral("header")},
                                   {QStringLiteral("description"), QLatin1String(description)},
                                   {QStringLiteral("schema"), string()}});
    }
    router.add({"POST",
                QStringLiteral("/slack/events"),
                Access::Public,
                [&ctx](const CallPtr &c) { receiveEvent(ctx, c); },
                slackOperation(headers),
                {}});
}

} // namespace agency::http
