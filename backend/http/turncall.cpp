#include "turncall.h"

#include "core/async/whenfinished.h"
#include "core/turnid.h"
#include "service/agencyservice.h"

#include <QElapsedTimer>
#include <QJsonArray>

namespace agency::http {

namespace {
const QByteArray kIdempotencyHeader = QByteArrayLiteral("Idempotency-Key");
} // namespace

core::Result<QUuid> turnIdFromIdempotencyKey(const QByteArray &key)
{
    // Header values are bytes: anything beyond ASCII fails the check as it should.
    return core::turnIdFromKey(QString::fromLatin1(key), QString::fromLatin1(kIdempotencyHeader));
}

QJsonObject withIdempotencyKey(QJsonObject operation)
{
    QJsonArray parameters = operation.value(QStringLiteral("parameters")).toArray();
    parameters.append(QJsonObject{
        {QStringLiteral("name"), QString::fromLatin1(kIdempotencyHeader)},
        {QStringLiteral("in"), QStringLiteral("header")},
        {QStringLiteral("required"), false},
        {QStringLiteral("description"),
         QStringLiteral("The turn's id, chosen by the client (1 to 255 printable ASCII characters; a UUID is "
                        "used as it is). Sending the same request again with the same key never stores "
                        "the message twice: a turn already answered returns its stored answer, one still "
                        "running is waited for, one that failed or was cut off is continued, and a new "
                        "conversation it created is the one answered again. Keys are scoped to the "
                        "tenant. The same key with another message, flow or conversation is refused "
                        "(409, reason turn_id_reused).")},
        {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                               {QStringLiteral("maxLength"), core::kMaxTurnKeyLength}}}});
    operation.insert(QStringLiteral("parameters"), parameters);
    return operation;
}

void runTurnCall(RouteContext &ctx, const CallPtr &call, TurnCall turn)
{
    auto turnId = turnIdFromIdempotencyKey(call->header(kIdempotencyHeader));
    if (!turnId) {
        turn.onDone(turnId.error());
        return;
    }
    turn.request.turnId = turnId.value();
    auto ticket = ctx.turns().begin();
    turn.request.cancel = ticket->cancelToken();
    // A client that leaves takes its turn with it: what the turn completed stays stored.
    call->onClientGone(ctx.threadContext(), [token = turn.request.cancel] { token->cancel(); });
    QElapsedTimer timer;
    timer.start();
    auto future = turn.history.isEmpty()
                      ? ctx.service().chat(turn.request, std::move(turn.onEvent))
                      : ctx.service().chatWithHistory(turn.request, turn.history, std::move(turn.onEvent));
    Metrics *metrics = &ctx.metrics();
    core::whenFinished(
        ctx.threadContext(), future,
        [ticket, metrics, timer,
         onDone = std::move(turn.onDone)](const core::Result<core::TurnResult> &result) {
            const double seconds = static_cast<double>(timer.elapsed()) / 1000.0;
            if (result) {
                metrics->recordTurn(seconds, result->provider, result->providerCalls,
                                    result->usage.promptTokens, result->usage.completionTokens, false);
                onDone(result);
                return;
            }
            const core::ErrorCode code = result.error().code; // a 429 is counted by the server itself
            const bool providerError =
                core::httpStatusFor(code) == 502 || code == core::ErrorCode::ProviderTimeout;
            metrics->recordTurn(seconds, QString(), 0, 0, 0, providerError);
            onDone(ticket->explain(result.error()));
        });
}

} // namespace agency::http
