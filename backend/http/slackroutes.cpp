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
    const QJsonObject example{
        {QStringLiteral("type"), QStringLiteral("event_callback")},
        {QStringLiteral("team_id"), QStringLiteral("T0123ABCD")},
        {QStringLiteral("event_id"), QStringLiteral("Ev0123ABCD")},
        {QStringLiteral("event"),
         QJsonObject{{QStringLiteral("type"), QStringLiteral("app_mention")},
                     {QStringLiteral("user"), QStringLiteral("U0123ABCD")},
                     {QStringLiteral("text"), QStringLiteral("<@U0BOT> what is left to do?")},
                     {QStringLiteral("channel"), QStringLiteral("C0123ABCD")},
                     {QStringLiteral("ts"), QStringLiteral("1733600000.000100")}}}};
    router.add({"POST",
                QStringLiteral("/slack/events"),
                Access::Public,
                [&ctx](const CallPtr &c) { receiveEvent(ctx, c); },
                operation(QStringLiteral(
                              "Slack Events API: answers url_verification, acknowledges events at once and "
                              "answers an app_mention in its thread (signed by Slack, no API key)"),
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
                          headers, jsonBody(anyObject(), example)),
                {}});
}

} // namespace agency::http
