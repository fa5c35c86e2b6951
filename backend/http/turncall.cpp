#include "turncall.h"

#include "core/async/whenfinished.h"
#include "service/agencyservice.h"

#include <QElapsedTimer>

namespace agency::http {

void runTurnCall(RouteContext &ctx, const CallPtr &call, TurnCall turn)
{
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
