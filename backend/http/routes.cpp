#include "routes.h"

namespace agency::http {

QList<RouteRegistration> allRouteRegistrations()
{
    return {
        registerSystemRoutes,
        registerTenantRoutes,
        registerConversationRoutes,
        registerRunRoutes,
        registerApprovalRoutes,
        registerAuditRoutes,
        registerChatRoutes,
        registerOpenAiRoutes,
        // Knowledge (docs/design.md#knowledge)
        registerDocumentRoutes,
        registerEmbeddingRoutes,
    };
}

} // namespace agency::http
