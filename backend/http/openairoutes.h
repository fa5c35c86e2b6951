#pragma once

// What the /v1 route files share: OpenAI's error rendering, the conversation header, operation
// fragments for the OpenAPI document, and the Responses API's registration.

#include "httpserver/errorbody.h"
#include "routes.h"

#include <QJsonObject>

namespace agency::http {

/// Names the stored conversation an answer belongs to (sent and accepted on /v1).
inline const QByteArray kConversationHeader = QByteArrayLiteral("X-Conversation-Id");

/// An error in OpenAI's shape ({"error": {message, type, param, code}}) with its status.
httpserver::RenderedError renderOpenAiError(const core::Error &error);

/// An operation answering 200 with `schema` (a component name) and `example`; with a
/// `streamSchema`, also text/event-stream whose events' data are that schema.
QJsonObject openAiOperation(const QString &summary, const QString &schema, const QJsonObject &example,
                            const QString &streamSchema = {});

/// POST /v1/responses and GET /v1/responses/{id}, with their schemas.
void registerResponsesRoutes(Router &router, RouteContext &ctx);

} // namespace agency::http
