// GET /audit: the audit log, for global admins.
#include "jsonviews.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "schemas.h"
#include "service/agencyservice.h"

#include <QJsonArray>

namespace agency::http {

void registerAuditRoutes(Router &router, RouteContext &ctx)
{
    using namespace oa;
    router.add(
        {"GET",
         QStringLiteral("/audit"),
         Access::GlobalAdmin,
         [&ctx](const CallPtr &call) {
             auto limit = queryLimit(*call, 50, core::limits::kMaxPageSize);
             if (!proceed(call, limit))
                 return;
             core::AuditQuery query{call->query(QStringLiteral("tenant_id")), limit.value(),
                                    call->query(QStringLiteral("cursor"))};
             ctx.then(call, ctx.service().listAudit(query), [call](const core::Page<core::AuditEntry> &page) {
                 call->sendJson(200, json::page(page, json::auditEntry));
             });
         },
         operation(
             QStringLiteral("Who read or deleted which tenant's data across tenants, newest first"),
             QStringLiteral("audit"),
             {{QStringLiteral("200"), jsonResponse(QStringLiteral("a page of audit entries"),
                                                   page(ref(QStringLiteral("AuditEntry"))),
                                                   json::page(QJsonArray{examples::auditEntry()}, {}))}},
             {queryParam(QStringLiteral("tenant_id"), QStringLiteral("only this tenant"), string()),
              queryParam(QStringLiteral("limit"), QStringLiteral("1-200, default 50"), integer()),
              queryParam(QStringLiteral("cursor"), QStringLiteral("next_cursor of the previous page"),
                         string())}),
         {}});
}

} // namespace agency::http
