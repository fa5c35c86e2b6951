// GET /health, /healthz, /flows, /metrics.
#include "openapi.h"
#include "routes.h"
#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <memory>

namespace agency::http {

namespace {

QJsonObject objectSchema(const QJsonObject &properties, const QJsonArray &required = {})
{
    QJsonObject s{{QStringLiteral("type"), QStringLiteral("object")},
                  {QStringLiteral("properties"), properties}};
    if (!required.isEmpty())
        s.insert(QStringLiteral("required"), required);
    return s;
}

QJsonObject type(const QString &name)
{
    return {{QStringLiteral("type"), name}};
}

/// The database pool's gauges in the Prometheus text format, after the server's own metrics.
QByteArray poolMetrics(const service::DatabasePool &pool)
{
    QByteArray out;
    const auto gauge = [&out](const char *name, const char *help, qint64 value) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + " gauge\n" + name + ' ' +
               QByteArray::number(value) + '\n';
    };
    gauge("agency_db_pool_connections", "Database connections in the pool (one worker thread each).",
          pool.workers);
    gauge("agency_db_pool_busy", "Database connections running a job now.", pool.busy);
    gauge("agency_db_pool_queued", "Database jobs waiting for a connection now.", pool.queued);
    out += "# HELP agency_db_jobs_total Database jobs run since start.\n# TYPE agency_db_jobs_total counter\n"
           "agency_db_jobs_total " +
           QByteArray::number(pool.jobs) + '\n';
    out +=
        "# HELP agency_db_connections_cut_total Connections cut by the statement watchdog (hung database).\n"
        "# TYPE agency_db_connections_cut_total counter\nagency_db_connections_cut_total " +
        QByteArray::number(pool.connectionsCut) + '\n';
    return out;
}

/// The last /health answer, kept while neither the check's result nor the stopping flag changes:
/// building and serializing the body cost more than the rest of the request (profiled), and load
/// balancers ask many times a second.
struct HealthAnswer
{
    quint64 generation = 0;
    bool stopping = false;
    int status = 0; ///< 0: nothing built yet
    QByteArray body;
};

QByteArray healthBody(const core::Result<service::Health> &health, bool stopping, int *status)
{
    QJsonArray providers;
    const QList<core::ProviderInfo> infos = health ? health->providers : QList<core::ProviderInfo>{};
    for (const auto &p : infos) {
        providers.append(QJsonObject{{QStringLiteral("name"), p.name},
                                     {QStringLiteral("configured"), p.configured},
                                     {QStringLiteral("default_model"), p.defaultModel}});
    }
    const bool dbOk = health && health->databaseOk;
    QJsonArray failing;
    if (!dbOk)
        failing.append(QStringLiteral("database"));
    if (stopping)
        failing.append(QStringLiteral("server_stopping"));
    const QJsonObject body{
        {QStringLiteral("status"), failing.isEmpty() ? QStringLiteral("ok") : QStringLiteral("degraded")},
        {QStringLiteral("failing"), failing},
        {QStringLiteral("database"),
         QJsonObject{{QStringLiteral("ok"), dbOk},
                     {QStringLiteral("error"), health ? health->databaseError : health.error().message}}},
        {QStringLiteral("default_provider"), health ? health->defaultProvider : QString()},
        {QStringLiteral("providers"), providers}};
    // Degraded is not healthy: load balancers must see it (the seed said 200).
    *status = failing.isEmpty() ? 200 : 503;
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

void health(RouteContext &ctx, const CallPtr &call, const std::shared_ptr<HealthAnswer> &last)
{
    const bool stopping = ctx.turns().stopping();
    ctx.health().check([&ctx, call, stopping, last](const core::Result<service::Health> &health) {
        const quint64 generation = ctx.health().generation();
        if (last->status == 0 || last->generation != generation || last->stopping != stopping) {
            last->body = healthBody(health, stopping, &last->status);
            last->generation = generation;
            last->stopping = stopping;
        }
        call->sendBytes(last->status, QByteArrayLiteral("application/json"), last->body);
    });
}

} // namespace

void registerSystemRoutes(Router &router, RouteContext &ctx)
{
    const QJsonObject healthSchema = objectSchema(
        {{QStringLiteral("status"),
          QJsonObject{
              {QStringLiteral("enum"), QJsonArray{QStringLiteral("ok"), QStringLiteral("degraded")}}}},
         {QStringLiteral("failing"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                                                 {QStringLiteral("items"), type(QStringLiteral("string"))}}},
         {QStringLiteral("database"),
          objectSchema({{QStringLiteral("ok"), type(QStringLiteral("boolean"))},
                        {QStringLiteral("error"), type(QStringLiteral("string"))}})},
         {QStringLiteral("default_provider"), type(QStringLiteral("string"))},
         {QStringLiteral("providers"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}}}},
        {QStringLiteral("status"), QStringLiteral("failing"), QStringLiteral("database")});
    router.addSchema(QStringLiteral("Health"), healthSchema);
    const QJsonObject healthy{{QStringLiteral("status"), QStringLiteral("ok")},
                              {QStringLiteral("failing"), QJsonArray()},
                              {QStringLiteral("database"), QJsonObject{{QStringLiteral("ok"), true},
                                                                       {QStringLiteral("error"), QString()}}},
                              {QStringLiteral("default_provider"), QStringLiteral("demo")},
                              {QStringLiteral("providers"), QJsonArray()}};
    QJsonObject degraded = healthy;
    degraded.insert(QStringLiteral("status"), QStringLiteral("degraded"));
    degraded.insert(QStringLiteral("failing"), QJsonArray{QStringLiteral("database")});
    degraded.insert(QStringLiteral("database"),
                    QJsonObject{{QStringLiteral("ok"), false},
                                {QStringLiteral("error"), QStringLiteral("connection refused")}});
    router.add(
        {"GET",
         QStringLiteral("/health"),
         Access::Public,
         [&ctx, last = std::make_shared<HealthAnswer>()](const CallPtr &call) { health(ctx, call, last); },
         oa::operation(
             QStringLiteral("Readiness: 200 when the database answers, 503 naming what fails"),
             QStringLiteral("system"),
             {{QStringLiteral("200"),
               oa::jsonResponse(QStringLiteral("healthy"), oa::ref(QStringLiteral("Health")), healthy)},
              {QStringLiteral("503"),
               oa::jsonResponse(QStringLiteral("degraded"), oa::ref(QStringLiteral("Health")), degraded)}}),
         {}});

    const QJsonObject ok{{QStringLiteral("status"), QStringLiteral("ok")}};
    router.add({"GET",
                QStringLiteral("/healthz"),
                Access::Public,
                [ok](const CallPtr &call) { call->sendJson(200, ok); },
                oa::operation(QStringLiteral("Liveness: the process answers"), QStringLiteral("system"),
                              {{QStringLiteral("200"),
                                oa::jsonResponse(
                                    QStringLiteral("alive"),
                                    objectSchema({{QStringLiteral("status"), type(QStringLiteral("string"))}},
                                                 {QStringLiteral("status")}),
                                    ok)}}),
                {}});

    router.add(
        {"GET",
         QStringLiteral("/flows"),
         Access::Member,
         [&ctx](const CallPtr &call) {
             QJsonArray flows;
             for (const auto &flow : ctx.service().flows()) {
                 QJsonObject json = flow.toJson();
                 json.remove(QStringLiteral("system_prompt"));
                 flows.append(json);
             }
             call->sendJson(200, QJsonObject{{QStringLiteral("flows"), flows}});
         },
         oa::operation(
             QStringLiteral("The flows (flow_type, title, description, tools, provider, model)"),
             QStringLiteral("flows"),
             {{QStringLiteral("200"),
               oa::jsonResponse(
                   QStringLiteral("the flows"),
                   objectSchema({{QStringLiteral("flows"),
                                  QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                                              {QStringLiteral("items"), type(QStringLiteral("object"))}}}},
                                {QStringLiteral("flows")}))}}),
         {}});

    router.add(
        {"GET",
         QStringLiteral("/metrics"),
         Access::GlobalAdmin,
         [&ctx](const CallPtr &call) {
             call->sendBytes(200, QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"),
                             ctx.metrics().render() + poolMetrics(ctx.service().databasePool()));
         },
         QJsonObject{
             {QStringLiteral("summary"), QStringLiteral("Prometheus metrics (text format 0.0.4)")},
             {QStringLiteral("tags"), QJsonArray{QStringLiteral("system")}},
             {QStringLiteral("responses"),
              QJsonObject{{QStringLiteral("200"),
                           QJsonObject{{QStringLiteral("description"), QStringLiteral("metrics")},
                                       {QStringLiteral("content"),
                                        QJsonObject{{QStringLiteral("text/plain"),
                                                     QJsonObject{{QStringLiteral("schema"),
                                                                  type(QStringLiteral("string"))}}}}}}}}}},
         {}});
}

} // namespace agency::http
