#include "routes.h"

namespace agency::http {

QList<RouteRegistration> allRouteRegistrations()
{
    return {
        registerSystemRoutes, registerTenantRoutes, registerConversationRoutes, registerRunRoutes,
        registerAuditRoutes,  registerChatRoutes,   registerOpenAiRoutes,
    };
}

} // namespace agency::http
