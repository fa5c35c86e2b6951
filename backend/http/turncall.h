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

/// Also reads the `Idempotency-Key` request header into the turn's id (docs/design.md#turn): a
/// call sent again with the same key gets the stored turn (its answer, or the running or
/// interrupted turn continued) instead of storing its message twice. A key that is not 1 to 255
/// printable ASCII characters fails the call with InvalidArgument before anything runs.
void runTurnCall(RouteContext &ctx, const CallPtr &call, TurnCall turn);

/// The turn id an `Idempotency-Key` names: a UUID names itself, any other key the UUID made from
/// it (version 5), so equal keys always give equal ids. Empty key: a null id.
core::Result<QUuid> turnIdFromIdempotencyKey(const QByteArray &key);

/// `operation` (an OpenAPI operation object) with the optional `Idempotency-Key` header described.
QJsonObject withIdempotencyKey(QJsonObject operation);

} // namespace agency::http
