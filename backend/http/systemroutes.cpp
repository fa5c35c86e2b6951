// GET / (what this server is and where to start), /health, /healthz, /flows, /metrics.
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
    bool hadBreakers = false;
};

/// Breaker states and attempt counts in the Prometheus text format.
QByteArray routingMetrics(const core::RoutingStatus &routing)
{
    const auto label = [](const QString &value) {
        QString escaped = value;
        escaped.replace(u'\\', QStringLiteral("\\\\"))
            .replace(u'"', QStringLiteral("\\\""))
            .replace(u'\n', QStringLiteral("\\n"));
        return escaped.toUtf8();
    };
    QByteArray out = "# HELP agency_route_attempts_total Provider attempts by provider, model and outcome.\n"
                     "# TYPE agency_route_attempts_total counter\n";
    for (const core::AttemptCount &count : routing.attempts)
        out += "agency_route_attempts_total{provider=\"" + label(count.provider) + "\",model=\"" +
               label(count.model) + "\",outcome=\"" + label(count.outcome) + "\"} " +
               QByteArray::number(count.count) + '\n';
    out +=
        "# HELP agency_breaker_state Circuit breaker per provider and model: 0 closed, 1 half-open, 2 open.\n"
        "# TYPE agency_breaker_state gauge\n";
    for (const core::BreakerStatus &breaker : routing.breakers) {
        const int state = breaker.state == QLatin1String("open")        ? 2
                          : breaker.state == QLatin1String("half_open") ? 1
                                                                        : 0;
        out += "agency_breaker_state{provider=\"" + label(breaker.provider) + "\",model=\"" +
               label(breaker.model) + "\"} " + QByteArray::number(state) + '\n';
    }
    return out;
}

QJsonObject routingJson(const core::RoutingStatus &routing)
{
    QJsonArray breakers;
    for (const core::BreakerStatus &breaker : routing.breakers)
        breakers.append(breaker.toJson());
    return {{QStringLiteral("route"), routing.defaultRoute},
            {QStringLiteral("breakers"), breakers},
            {QStringLiteral("breakers_scope"), QStringLiteral("process")}};
}

QByteArray healthBody(const core::Result<service::Health> &health, bool stopping, int *status)
{
    QJsonArray providers;
    const QList<core::ProviderInfo> infos = health ? health->providers : QList<core::ProviderInfo>{};
    for (const auto &p : infos) {
        providers.append(QJsonObject{{QStringLiteral("name"), p.name},
                                     {QStringLiteral("configured"), p.configured},
                                     {QStringLiteral("default_model"), p.defaultModel}});
    }
    // MCP servers are details: one that is down makes its tools fail, not the instance.
    QJsonArray mcpServers;
    for (const core::McpServerStatus &server : health ? health->mcpServers : QList<core::McpServerStatus>{})
        mcpServers.append(server.toJson());
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
        {QStringLiteral("providers"), providers},
        {QStringLiteral("routing"), routingJson(health ? health->routing : core::RoutingStatus{})},
        {QStringLiteral("mcp_servers"), mcpServers}};
    // Degraded is not healthy: load balancers must see it (the seed said 200).
    *status = failing.isEmpty() ? 200 : 503;
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

const QString kDocs = QStringLiteral("docs/http-api.md");

/// What GET / says: a first look for someone who found the port, with a browser or curl.
QJsonObject homeObject()
{
    return {{QStringLiteral("name"), QStringLiteral("Agency Console API")},
            {QStringLiteral("version"), QStringLiteral(AGENCY_VERSION)},
            {QStringLiteral("health"), QStringLiteral("/health")},
            {QStringLiteral("openapi"), QStringLiteral("/openapi.json")},
            {QStringLiteral("openai_base_url"), QStringLiteral("/v1")},
            {QStringLiteral("docs"), kDocs},
            {QStringLiteral("authentication"),
             QStringLiteral("Authorization: Bearer <key>; create a key with: aiagency keys create "
                            "--tenant <tenant> (or --global-admin)")}};
}

QByteArray homePage()
{
    QByteArray html = QByteArrayLiteral(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Agency Console API</title>"
        "</head>\n<body>\n<h1>Agency Console API</h1>\n<p>Version ");
    html += AGENCY_VERSION;
    html += QByteArrayLiteral(
        "</p>\n<ul>\n<li><a href=\"/health\">/health</a>: readiness</li>\n"
        "<li><a href=\"/openapi.json\">/openapi.json</a>: every route (OpenAPI 3.1)</li>\n"
        "<li><code>/v1</code>: OpenAI-compatible API (base URL for OpenAI SDKs)</li>\n</ul>\n"
        "<p>Requests need <code>Authorization: Bearer &lt;key&gt;</code>; create a key with "
        "<code>aiagency keys create --tenant &lt;tenant&gt;</code> (or <code>--global-admin</code>). "
        "The manual is docs/http-api.md in the source tree.</p>\n</body></html>\n");
    return html;
}

/// True when the client prefers HTML (a browser): text/html named before any JSON type.
bool wantsHtml(const QByteArray &accept)
{
    const qsizetype html = accept.indexOf("text/html");
    if (html < 0)
        return false;
    const qsizetype json = accept.indexOf("application/json");
    return json < 0 || html < json;
}

void health(RouteContext &ctx, const CallPtr &call, const std::shared_ptr<HealthAnswer> &last)
{
    const bool stopping = ctx.turns().stopping();
    ctx.health().check([&ctx, call, stopping, last](const core::Result<service::Health> &health) {
        const quint64 generation = ctx.health().generation();
        // Breakers change between checks: a body that shows any is built afresh.
        const core::RoutingStatus routing = ctx.service().routing();
        if (last->status == 0 || last->generation != generation || last->stopping != stopping ||
            !routing.breakers.isEmpty() || last->hadBreakers) {
            core::Result<service::Health> now = health;
            if (now)
                now.value().routing = routing;
            last->body = healthBody(now, stopping, &last->status);
            last->hadBreakers = !routing.breakers.isEmpty();
            last->generation = generation;
            last->stopping = stopping;
        }
        call->sendBytes(last->status, QByteArrayLiteral("application/json"), last->body);
    });
}

} // namespace

void registerSystemRoutes(Router &router, RouteContext &ctx)
{
    const QByteArray homeJson = QJsonDocument(homeObject()).toJson(QJsonDocument::Compact);
    QJsonObject homeOperation = oa::operation(
        QStringLiteral("What this server is: version, /health, /openapi.json, /v1 and the manual"),
        QStringLiteral("system"),
        {{QStringLiteral("200"),
          QJsonObject{
              {QStringLiteral("description"),
               QStringLiteral("JSON, or a short HTML page when the client asks for text/html first")},
              {QStringLiteral("content"),
               QJsonObject{{QStringLiteral("application/json"),
                            QJsonObject{{QStringLiteral("schema"), type(QStringLiteral("object"))},
                                        {QStringLiteral("example"), homeObject()}}},
                           {QStringLiteral("text/html"),
                            QJsonObject{{QStringLiteral("schema"), type(QStringLiteral("string"))}}}}}}}});
    router.add({"GET",
                QStringLiteral("/"),
                Access::Public,
                [homeJson, page = homePage()](const CallPtr &call) {
                    if (wantsHtml(call->header(QByteArrayLiteral("Accept"))))
                        call->sendBytes(200, QByteArrayLiteral("text/html; charset=utf-8"), page);
                    else
                        call->sendBytes(200, QByteArrayLiteral("application/json"), homeJson);
                },
                homeOperation,
                {}});

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
         {QStringLiteral("providers"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}}},
         {QStringLiteral("routing"),
          objectSchema(
              {{QStringLiteral("route"), type(QStringLiteral("string"))},
               {QStringLiteral("breakers"), QJsonObject{{QStringLiteral("type"), QStringLiteral("array")}}},
               {QStringLiteral("breakers_scope"), type(QStringLiteral("string"))}})},
         {QStringLiteral("mcp_servers"),
          QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                      {QStringLiteral("description"),
                       QStringLiteral("This process's MCP server connections: name, scope, transport, state "
                                      "(starting, ready, failed, stopped), reason, tools, restarts")}}}},
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
                             ctx.metrics().render() + poolMetrics(ctx.service().databasePool()) +
                                 routingMetrics(ctx.service().routing()));
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
