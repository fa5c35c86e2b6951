// /tenants/{id}/secrets: a tenant's credentials for outside systems (tenant admins). A value goes
// in and is never answered, listed or logged (the access log has no request bodies).
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "service/agencyservice.h"

#include <QJsonArray>

namespace agency::http {

namespace {

using namespace oa;

QJsonObject secretJson(const core::TenantSecretInfo &info)
{
    return {{QStringLiteral("tenant_id"), info.tenantId},
            {QStringLiteral("name"), info.name},
            {QStringLiteral("key_id"), info.keyId},
            {QStringLiteral("created_at"), info.createdAt.toUTC().toString(Qt::ISODateWithMs)},
            {QStringLiteral("updated_at"), info.updatedAt.toUTC().toString(Qt::ISODateWithMs)}};
}

QJsonObject secretExample()
{
    return {{QStringLiteral("tenant_id"), QStringLiteral("acme")},
            {QStringLiteral("name"), QStringLiteral("slack_bot_token")},
            {QStringLiteral("key_id"), QStringLiteral("3f9a0c1de2b47a65")},
            {QStringLiteral("created_at"), QStringLiteral("2026-12-07T18:00:00.000Z")},
            {QStringLiteral("updated_at"), QStringLiteral("2026-12-07T18:00:00.000Z")}};
}

QString resource(const QString &tenantId, const QString &name)
{
    return QStringLiteral("tenant/%1/secret/%2").arg(tenantId, name);
}

void putSecret(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    auto body = call->jsonBody();
    if (!proceed(call, body))
        return;
    if (!proceed(call, onlyKnownFields(body.value(), {QStringLiteral("value")})))
        return;
    auto value = requiredString(body.value(), QStringLiteral("value"));
    if (!proceed(call, value))
        return;
    const QString name = call->pathParam(QStringLiteral("name"));
    ctx.then(call, ctx.service().setTenantSecret(id.value(), name, value.value()),
             [&ctx, call](const core::TenantSecretInfo &info) {
                 ctx.audit(call, QStringLiteral("secret.set"), info.tenantId,
                           resource(info.tenantId, info.name));
                 call->sendJson(200, secretJson(info));
             });
}

void listSecrets(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    ctx.then(call, ctx.service().listTenantSecrets(id.value()),
             [&ctx, call, tenantId = id.value()](const QList<core::TenantSecretInfo> &list) {
                 ctx.audit(call, QStringLiteral("secret.list"), tenantId,
                           QStringLiteral("tenant/") + tenantId);
                 QJsonArray items;
                 for (const core::TenantSecretInfo &info : list)
                     items.append(secretJson(info));
                 call->sendJson(200, QJsonObject{{QStringLiteral("tenant_id"), tenantId},
                                                 {QStringLiteral("items"), items}});
             });
}

void deleteSecret(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    const QString name = call->pathParam(QStringLiteral("name"));
    ctx.then(call, ctx.service().deleteTenantSecret(id.value(), name),
             [&ctx, call, tenantId = id.value(), name](bool) {
                 ctx.audit(call, QStringLiteral("secret.delete"), tenantId, resource(tenantId, name));
                 call->sendEmpty(204);
             });
}

} // namespace

void registerSecretRoutes(Router &router, RouteContext &ctx)
{
    const QString tag = QStringLiteral("tenants");
    const QJsonObject secretSchema =
        object({{QStringLiteral("tenant_id"), string()},
                {QStringLiteral("name"), string()},
                {QStringLiteral("key_id"), string()},
                {QStringLiteral("created_at"), string()},
                {QStringLiteral("updated_at"), string()}},
               {QStringLiteral("tenant_id"), QStringLiteral("name"), QStringLiteral("key_id"),
                QStringLiteral("created_at"), QStringLiteral("updated_at")});
    router.addSchema(QStringLiteral("TenantSecret"), secretSchema);
    router.add(
        {"GET",
         QStringLiteral("/tenants/{id}/secrets"),
         Access::TenantAdmin,
         [&ctx](const CallPtr &c) { listSecrets(ctx, c); },
         operation(
             QStringLiteral("The names of a tenant's secrets with their dates (never their values)"), tag,
             {{QStringLiteral("200"),
               jsonResponse(QStringLiteral("the tenant's secrets"),
                            object({{QStringLiteral("tenant_id"), string()},
                                    {QStringLiteral("items"), array(ref(QStringLiteral("TenantSecret")))}},
                                   {QStringLiteral("tenant_id"), QStringLiteral("items")}),
                            QJsonObject{{QStringLiteral("tenant_id"), QStringLiteral("acme")},
                                        {QStringLiteral("items"), QJsonArray{secretExample()}}})}}),
         {}});
    router.add(
        {"PUT",
         QStringLiteral("/tenants/{id}/secrets/{name}"),
         Access::TenantAdmin,
         [&ctx](const CallPtr &c) { putSecret(ctx, c); },
         operation(
             QStringLiteral("Store or replace a secret (e.g. slack_bot_token); it is encrypted at rest "
                            "and never returned"),
             tag,
             {{QStringLiteral("200"), jsonResponse(QStringLiteral("stored (without the value)"),
                                                   ref(QStringLiteral("TenantSecret")), secretExample())}},
             {},
             jsonBody(closed(object({{QStringLiteral("value"), string()}}, {QStringLiteral("value")})),
                      QJsonObject{{QStringLiteral("value"), QStringLiteral("xoxb-example")}})),
         {}});
    router.add({"DELETE",
                QStringLiteral("/tenants/{id}/secrets/{name}"),
                Access::TenantAdmin,
                [&ctx](const CallPtr &c) { deleteSecret(ctx, c); },
                operation(QStringLiteral("Delete a secret"), tag,
                          {{QStringLiteral("204"),
                            QJsonObject{{QStringLiteral("description"), QStringLiteral("deleted")}}}}),
                {}});
}

} // namespace agency::http
