#include "routecontext.h"

#include "service/agencyservice.h"

#include <QLoggingCategory>

namespace agency::http {

namespace {
Q_LOGGING_CATEGORY(lcAudit, "agency.http.audit")
}

void RouteContext::audit(const CallPtr &call, const QString &action, const QString &tenantId,
                         const QString &resource) const
{
    const core::Principal &p = call->principal();
    // A tenant key inside its own tenant is not cross-tenant; only global access is recorded.
    if (!p.isGlobal())
        return;
    core::AuditEntry entry;
    entry.actorKeyId = p.keyId;
    entry.actorName = p.unauthenticatedAdmin ? QStringLiteral("(no-auth)") : p.keyName;
    entry.action = action;
    entry.tenantId = tenantId;
    entry.resource = resource;
    entry.requestId = call->requestId();
    if (!m_context)
        return;
    core::whenFinished(m_context.data(), m_service.recordAudit(entry),
                       [action, requestId = call->requestId()](const core::Result<core::AuditEntry> &r) {
                           if (!r)
                               qCWarning(lcAudit).noquote() << "audit record failed for" << action
                                                            << requestId << r.error().toString();
                       });
}

} // namespace agency::http
