// /tenants: list, create (global admins), read, update settings (tenant admins), usage and limits.
#include "jsonviews.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "schemas.h"
#include "service/agencyservice.h"

#include <QJsonArray>

namespace agency::http {

namespace {

using namespace oa;

void listTenants(RouteContext &ctx, const CallPtr &call)
{
    auto limit = queryLimit(*call, 100, 1000);
    if (!proceed(call, limit))
        return;
    if (!call->principal().isGlobal()) {
        // A tenant key sees its own tenant only.
        ctx.then(call, ctx.service().getTenant(call->principal().tenantId), [call](const core::Tenant &t) {
            call->sendJson(200, json::page(QJsonArray{json::tenant(t)}, {}));
        });
        return;
    }
    ctx.then(call, ctx.service().listTenants(limit.value(), call->query(QStringLiteral("cursor"))),
             [call](const core::Page<core::Tenant> &page) {
                 call->sendJson(200, json::page(page, json::tenant));
             });
}

void createTenant(RouteContext &ctx, const CallPtr &call)
{
    auto body = call->jsonBody();
    if (!proceed(call, body))
        return;
    if (!proceed(call, onlyKnownFields(body.value(), {QStringLiteral("tenant_id"), QStringLiteral("name"),
                                                      QStringLiteral("settings")})))
        return;
    auto id = requiredString(body.value(), QStringLiteral("tenant_id"));
    auto name = optionalString(body.value(), QStringLiteral("name"));
    auto settings = optionalObject(body.value(), QStringLiteral("settings"));
    if (!proceed(call, id) || !proceed(call, name) || !proceed(call, settings))
        return;
    call->setLogTenant(id.value());
    ctx.then(call,
             ctx.service().createTenant(id.value(), name.value().value_or(QString()),
                                        settings.value().value_or(QJsonObject())),
             [call](const core::Tenant &t) { call->sendJson(201, json::tenant(t)); });
}

void getTenant(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    ctx.then(call, ctx.service().getTenant(id.value()), [&ctx, call](const core::Tenant &t) {
        ctx.audit(call, QStringLiteral("tenant.read"), t.tenantId, QStringLiteral("tenant/") + t.tenantId);
        call->sendJson(200, json::tenant(t));
    });
}

void updateTenant(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    auto body = call->jsonBody();
    if (!proceed(call, body))
        return;
    if (!proceed(call, onlyKnownFields(body.value(), {QStringLiteral("name"), QStringLiteral("settings")})))
        return;
    auto name = optionalString(body.value(), QStringLiteral("name"));
    auto settings = optionalObject(body.value(), QStringLiteral("settings"));
    if (!proceed(call, name) || !proceed(call, settings))
        return;
    ctx.then(call, ctx.service().updateTenant(id.value(), name.value(), settings.value()),
             [&ctx, call](const core::Tenant &t) {
                 ctx.audit(call, QStringLiteral("tenant.update"), t.tenantId,
                           QStringLiteral("tenant/") + t.tenantId);
                 call->sendJson(200, json::tenant(t));
             });
}

void usage(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto from = queryTime(*call, QStringLiteral("from"), now.addDays(-30));
    auto to = queryTime(*call, QStringLiteral("to"), now);
    if (!proceed(call, from) || !proceed(call, to))
        return;
    const QString tenantId = id.value();
    ctx.then(call, ctx.service().usageSummary(tenantId, from.value(), to.value()),
             [&ctx, call, tenantId](const QList<core::UsageSummaryRow> &rows) {
                 ctx.audit(call, QStringLiteral("usage.read"), tenantId,
                           QStringLiteral("tenant/") + tenantId);
                 QJsonArray items;
                 for (const auto &row : rows)
                     items.append(json::usageRow(row));
                 call->sendJson(200, QJsonObject{{QStringLiteral("tenant_id"), tenantId},
                                                 {QStringLiteral("items"), items}});
             });
}

/// One provider after the other (a handful), collected into one answer.
void collectLimits(RouteContext &ctx, const CallPtr &call, const QString &tenantId, QStringList providers,
                   std::shared_ptr<QJsonArray> items)
{
    if (providers.isEmpty()) {
        call->sendJson(
            200, QJsonObject{{QStringLiteral("tenant_id"), tenantId}, {QStringLiteral("items"), *items}});
        return;
    }
    const QString provider = providers.takeFirst();
    ctx.then(call, ctx.service().rateLimitStatus(tenantId, provider),
             [&ctx, call, tenantId, providers, items](const core::LimitStatus &status) {
                 items->append(json::limitStatus(status));
                 collectLimits(ctx, call, tenantId, providers, items);
             });
}

void limits(RouteContext &ctx, const CallPtr &call)
{
    auto id = pathTenant(*call);
    if (!proceed(call, id))
        return;
    call->setLogTenant(id.value());
    QStringList providers;
    for (const core::ProviderInfo &p : ctx.service().providers()) {
        if (p.configured)
            providers.append(p.name);
    }
    ctx.audit(call, QStringLiteral("limits.read"), id.value(), QStringLiteral("tenant/") + id.value());
    collectLimits(ctx, call, id.value(), providers, std::make_shared<QJsonArray>());
}

QJsonObject listOf(const QString &schema, const QJsonObject &example)
{
    return jsonResponse(
        QStringLiteral("the items"),
        object({{QStringLiteral("tenant_id"), string()}, {QStringLiteral("items"), array(ref(schema))}},
               {QStringLiteral("tenant_id"), QStringLiteral("items")}),
        QJsonObject{{QStringLiteral("tenant_id"), QStringLiteral("acme")},
                    {QStringLiteral("items"), QJsonArray{example}}});
}

} // namespace

void registerTenantRoutes(Router &router, RouteContext &ctx)
{
    addValueSchemas(router);
    const QString tag = QStringLiteral("tenants");
    const QJsonObject tenantResponse =
        jsonResponse(QStringLiteral("the tenant"), ref(QStringLiteral("Tenant")), examples::tenant());
    router.add(
        {"GET",
         QStringLiteral("/tenants"),
         Access::Member,
         [&ctx](const CallPtr &c) { listTenants(ctx, c); },
         operation(QStringLiteral("Tenants (a tenant key sees its own only)"), tag,
                   {{QStringLiteral("200"),
                     jsonResponse(QStringLiteral("a page of tenants"), page(ref(QStringLiteral("Tenant"))),
                                  json::page(QJsonArray{examples::tenant()}, {}))}},
                   {queryParam(QStringLiteral("limit"), QStringLiteral("1-1000, default 100"), integer()),
                    queryParam(QStringLiteral("cursor"), QStringLiteral("next_cursor of the previous page"),
                               string())}),
         {}});
    const QJsonObject createExample{{QStringLiteral("tenant_id"), QStringLiteral("acme")},
                                    {QStringLiteral("name"), QStringLiteral("Acme Corp")},
                                    {QStringLiteral("settings"), QJsonObject{}}};
    router.add(
        {"POST",
         QStringLiteral("/tenants"),
         Access::GlobalAdmin,
         [&ctx](const CallPtr &c) { createTenant(ctx, c); },
         operation(QStringLiteral("Create a tenant"), tag, {{QStringLiteral("201"), tenantResponse}}, {},
                   jsonBody(closed(object({{QStringLiteral("tenant_id"), string()},
                                           {QStringLiteral("name"), string()},
                                           {QStringLiteral("settings"), anyObject()}},
                                          {QStringLiteral("tenant_id")})),
                            createExample)),
         {}});
    router.add({"GET",
                QStringLiteral("/tenants/{id}"),
                Access::Member,
                [&ctx](const CallPtr &c) { getTenant(ctx, c); },
                operation(QStringLiteral("One tenant"), tag, {{QStringLiteral("200"), tenantResponse}}),
                {}});
    const QJsonObject patchExample{
        {QStringLiteral("settings"),
         QJsonObject{{QStringLiteral("default_provider"), QStringLiteral("openai")}}}};
    router.add(
        {"PATCH",
         QStringLiteral("/tenants/{id}"),
         Access::TenantAdmin,
         [&ctx](const CallPtr &c) { updateTenant(ctx, c); },
         operation(
             QStringLiteral(
                 "Rename a tenant or replace its settings (rate limits, budget, default provider/model)"),
             tag, {{QStringLiteral("200"), tenantResponse}}, {},
             jsonBody(closed(object(
                          {{QStringLiteral("name"), string()}, {QStringLiteral("settings"), anyObject()}})),
                      patchExample)),
         {}});
    router.add(
        {"GET",
         QStringLiteral("/tenants/{id}/usage"),
         Access::Member,
         [&ctx](const CallPtr &c) { usage(ctx, c); },
         operation(QStringLiteral("Token usage and cost by day and provider"), tag,
                   {{QStringLiteral("200"), listOf(QStringLiteral("UsageRow"), examples::usageRow())}},
                   {queryParam(QStringLiteral("from"),
                               QStringLiteral("ISO 8601 date or date-time; default 30 days ago"), string()),
                    queryParam(QStringLiteral("to"),
                               QStringLiteral("ISO 8601 date or date-time; default now"), string())}),
         {}});
    router.add(
        {"GET",
         QStringLiteral("/tenants/{id}/limits"),
         Access::Member,
         [&ctx](const CallPtr &c) { limits(ctx, c); },
         operation(QStringLiteral("Rate-limit state per configured provider (limit 0 = unlimited)"), tag,
                   {{QStringLiteral("200"), listOf(QStringLiteral("LimitStatus"), examples::limitStatus())}}),
         {}});
}

} // namespace agency::http
