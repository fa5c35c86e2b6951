#include "routes.h"

namespace agency::http {

QList<RouteRegistration> allRouteRegistrations()
{
    return {
        registerSystemRoutes,
        registerTenantRoutes,
        registerConversationRoutes,
        registerRunRoutes,
        registerAuditRoutes,
        registerChatRoutes,
        registerOpenAiRoutes,
        // Knowledge (docs/design.md#knowledge)
        registerDocumentRoutes,
        registerEmbeddingRoutes,
        registerMcpRoutes,
    };
}

} // namespace agency::http
