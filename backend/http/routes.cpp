#include "routes.h"

namespace agency::http {

QList<RouteRegistration> allRouteRegistrations()
{
    return {
        registerSystemRoutes, registerTenantRoutes, registerConversationRoutes,
        registerRunRoutes,    registerAuditRoutes,
    };
}

} // namespace agency::http
