#pragma once

#include "routecontext.h"
#include "service/agencyservice.h"

#include <QList>

#include <functional>

namespace agency::http {

/// How an HTTP call runs one chat turn, shared by the chat routes and the OpenAI-compatible
/// ones: the turn is registered with the server's TurnTracker (deadline, graceful stop), is
/// cancelled when the client leaves before the answer ended, and is counted in the metrics. A
/// failure reaches `onDone` already explained (deadline → 504, shutdown → 503).
///
/// `history` non-empty starts a new conversation from it (AgencyService::chatWithHistory).
/// Events arrive on the server thread while the turn runs; `onDone` runs once, on the server
/// thread, and never after the server is gone.
struct TurnCall
{
    core::TurnRequest request;
    QList<core::ChatMessage> history;
    core::TurnEventHandler onEvent;
    std::function<void(const core::Result<core::TurnResult> &)> onDone;
};

void runTurnCall(RouteContext &ctx, const CallPtr &call, TurnCall turn);

} // namespace agency::http
