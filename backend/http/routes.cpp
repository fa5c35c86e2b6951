#include "routes.h"

namespace agency::http {

QList<RouteRegistration> allRouteRegistrations()
{
    return {
        registerSystemRoutes,
        registerTenantRoutes,
        registerSecretRoutes,
        registerConversationRoutes,
        registerRunRoutes,
        registerApprovalRoutes,
        registerAuditRoutes,
        registerChatRoutes,
        registerOpenAiRoutes,
        // Knowledge (docs/design.md#knowledge)
        registerDocumentRoutes,
        registerEmbeddingRoutes,
        registerMcpRoutes,
        // Slack's Events API (docs/slack.md)
        registerSlackRoutes,
    };
}

} // namespace agency::http
