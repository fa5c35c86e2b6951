// /runs: queue a non-interactive flow run (202), list, read, cancel.
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

void create(RouteContext &ctx, const CallPtr &call)
{
    auto body = call->jsonBody();
    if (!proceed(call, body))
        return;
    const QJsonObject &b = body.value();
    if (!proceed(call, onlyKnownFields(b, {QStringLiteral("tenant_id"), QStringLiteral("flow_type"),
                                           QStringLiteral("input"), QStringLiteral("provider"),
                                           QStringLiteral("model")})))
        return;
    auto tenantField = optionalString(b, QStringLiteral("tenant_id"));
    if (!proceed(call, tenantField))
        return;
    auto tenant = scopeTenant(*call, tenantField.value().value_or(QString()));
    auto flowType = requiredString(b, QStringLiteral("flow_type"));
    auto input = requiredString(b, QStringLiteral("input"));
    auto provider = optionalString(b, QStringLiteral("provider"));
    auto model = optionalString(b, QStringLiteral("model"));
    if (!proceed(call, tenant) || !proceed(call, flowType) || !proceed(call, input) ||
        !proceed(call, provider) || !proceed(call, model))
        return;
    call->setLogTenant(tenant.value());
    ctx.then(call,
             ctx.service().createRun(tenant.value(), flowType.value(), input.value(),
                                     provider.value().value_or(QString()), model.value().value_or(QString())),
             [call](const core::Run &run) {
                 call->sendJson(
                     202, json::run(run),
                     {{QByteArrayLiteral("Location"),
                       QByteArrayLiteral("/runs/") + run.runId.toString(QUuid::WithoutBraces).toLatin1()}});
             });
}

void list(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    auto limit = queryLimit(*call, 50, core::limits::kMaxPageSize);
    if (!proceed(call, limit))
        return;
    const QString tenantId = tenant.value();
    ctx.then(call,
             ctx.service().listRuns(tenantId, call->query(QStringLiteral("status")), limit.value(),
                                    call->query(QStringLiteral("cursor"))),
             [&ctx, call, tenantId](const core::Page<core::Run> &page) {
                 ctx.audit(call, QStringLiteral("run.list"), tenantId, QStringLiteral("runs"));
                 call->sendJson(200, json::page(page, json::run));
             });
}

void get(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("run_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().getRun(tenantId, *id), [&ctx, call, tenantId](const core::Run &r) {
        ctx.audit(call, QStringLiteral("run.read"), tenantId,
                  QStringLiteral("run/") + call->pathParam(QStringLiteral("id")));
        call->sendJson(200, json::run(r));
    });
}

void cancel(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("run_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().cancelRun(tenantId, *id), [&ctx, call, tenantId](const core::Run &r) {
        ctx.audit(call, QStringLiteral("run.cancel"), tenantId,
                  QStringLiteral("run/") + call->pathParam(QStringLiteral("id")));
        call->sendJson(200, json::run(r));
    });
}

QJsonObject tenantParam()
{
    return queryParam(
        QStringLiteral("tenant_id"),
        QStringLiteral("the tenant; required with a global admin key, else the key's own or omitted"),
        string());
}

} // namespace

void registerRunRoutes(Router &router, RouteContext &ctx)
{
    const QString tag = QStringLiteral("runs");
    const QJsonObject runResponse =
        jsonResponse(QStringLiteral("the run"), ref(QStringLiteral("Run")), examples::run());
    const QJsonObject createExample{{QStringLiteral("flow_type"), QStringLiteral("consulting")},
                                    {QStringLiteral("input"), QStringLiteral("Summarise our Q1 risks.")}};
    router.add({"POST",
                QStringLiteral("/runs"),
                Access::Member,
                [&ctx](const CallPtr &c) { create(ctx, c); },
                operation(QStringLiteral("Queue one non-interactive turn of a flow; 202 with the run"), tag,
                          {{QStringLiteral("202"), runResponse}}, {},
                          jsonBody(closed(object({{QStringLiteral("tenant_id"), string()},
                                                  {QStringLiteral("flow_type"), string()},
                                                  {QStringLiteral("input"), string()},
                                                  {QStringLiteral("provider"), string()},
                                                  {QStringLiteral("model"), string()}},
                                                 {QStringLiteral("flow_type"), QStringLiteral("input")})),
                                   createExample)),
                {}});
    router.add(
        {"GET",
         QStringLiteral("/runs"),
         Access::Member,
         [&ctx](const CallPtr &c) { list(ctx, c); },
         operation(QStringLiteral("A tenant's runs, newest first"), tag,
                   {{QStringLiteral("200"),
                     jsonResponse(QStringLiteral("a page of runs"), page(ref(QStringLiteral("Run"))),
                                  json::page(QJsonArray{examples::run()}, {}))}},
                   {tenantParam(),
                    queryParam(QStringLiteral("status"),
                               QStringLiteral("queued | running | completed | failed | cancelled"), string()),
                    queryParam(QStringLiteral("limit"), QStringLiteral("1-200, default 50"), integer()),
                    queryParam(QStringLiteral("cursor"), QStringLiteral("next_cursor of the previous page"),
                               string())}),
         {}});
    router.add(
        {"GET",
         QStringLiteral("/runs/{id}"),
         Access::Member,
         [&ctx](const CallPtr &c) { get(ctx, c); },
         operation(QStringLiteral("One run"), tag, {{QStringLiteral("200"), runResponse}}, {tenantParam()}),
         {}});
    router.add(
        {"POST",
         QStringLiteral("/runs/{id}/cancel"),
         Access::Member,
         [&ctx](const CallPtr &c) { cancel(ctx, c); },
         operation(QStringLiteral(
                       "Cancel: a queued run at once, a running one at its next step (409 when finished)"),
                   tag, {{QStringLiteral("200"), runResponse}}, {tenantParam()}),
         {}});
}

} // namespace agency::http
