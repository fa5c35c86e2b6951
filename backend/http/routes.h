#pragma once

#include "httpserver/router.h"
#include "routecontext.h"

namespace agency::http {

/// Route registrations: each adds its routes (with their OpenAPI fragments) to the router. The
/// server calls every one of them, in the order of allRouteRegistrations(). To add routes, write a
/// function of this shape in its own file and list it in routes.cpp.
using RouteRegistration = void (*)(Router &router, RouteContext &context);

void registerSystemRoutes(Router &router, RouteContext &context);       ///< health, flows, metrics, openapi
void registerTenantRoutes(Router &router, RouteContext &context);       ///< /tenants…
void registerSecretRoutes(Router &router, RouteContext &context);       ///< /tenants/{id}/secrets…
void registerConversationRoutes(Router &router, RouteContext &context); ///< /conversations…
void registerRunRoutes(Router &router, RouteContext &context);          ///< /runs…
void registerApprovalRoutes(Router &router, RouteContext &context);     ///< /approvals…
void registerAuditRoutes(Router &router, RouteContext &context);        ///< /audit
void registerChatRoutes(Router &router, RouteContext &context);         ///< /weather/chat, /chat/{flow_type}
void registerOpenAiRoutes(Router &router, RouteContext &context);       ///< /v1/models, /v1/chat/completions
void registerDocumentRoutes(Router &router, RouteContext &context);     ///< /documents…, /search
void registerEmbeddingRoutes(Router &router, RouteContext &context);    ///< /v1/embeddings
void registerMcpRoutes(Router &router, RouteContext &context);          ///< /mcp (MCP, Streamable HTTP)
void registerSlackRoutes(Router &router, RouteContext &context);        ///< /slack/events

/// Every registration, in order.
QList<RouteRegistration> allRouteRegistrations();

} // namespace agency::http
