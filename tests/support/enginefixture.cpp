#include "enginefixture.h"

#include "db/conversationrepository.h"
#include "db/tenantrepository.h"
#include "runtime/backend.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QSet>
#include <QSqlQuery>

namespace agency::test {

bool startPostgresAndWeather(TestPostgres &pg, FakeWeatherServer &weather, QString *error)
{
    if (!pg.start()) {
        *error = pg.error();
        return false;
    }
    if (!weather.listen()) {
        *error = QStringLiteral("the fake weather server cannot listen");
        return false;
    }
    weather.addDefaultPlaces();
    return true;
}

bool freshDatabaseAndProvider(TestPostgres &pg, std::unique_ptr<sql::DbExecutor> &db,
                              std::unique_ptr<FakeOpenAiServer> &llm, QString *error)
{
    auto params = pg.freshDatabase();
    if (!params) {
        *error = params.error().toString();
        return false;
    }
    db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    llm = std::make_unique<FakeOpenAiServer>();
    if (!llm->listen()) {
        *error = QStringLiteral("the fake provider cannot listen");
        return false;
    }
    return true;
}

runtime::RuntimeConfig engineConfig(const QString &openAiBaseUrl, const QString &weatherOrigin,
                                    const QHash<QString, QString> &extra)
{
    QHash<QString, QString> values{
        {QStringLiteral("LLM_PROVIDER"), QStringLiteral("openai")},
        {QStringLiteral("OPENAI_BASE_URL"), openAiBaseUrl},
        {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-test-flows")},
        {QStringLiteral("OPENAI_MODEL"), QStringLiteral("gpt-fake")},
        {QStringLiteral("LLM_MAX_ATTEMPTS"), QStringLiteral("1")},
        {QStringLiteral("LLM_TIMEOUT_CONNECT_MS"), QStringLiteral("3000")},
        {QStringLiteral("LLM_TIMEOUT_FIRST_BYTE_MS"), QStringLiteral("5000")},
        {QStringLiteral("LLM_TIMEOUT_TOTAL_MS"), QStringLiteral("15000")},
        {QStringLiteral("OPEN_METEO_BASE_URL"), weatherOrigin + QStringLiteral("/meteo/v1")},
        {QStringLiteral("OPEN_METEO_GEOCODING_URL"), weatherOrigin + QStringLiteral("/geo/v1")},
        {QStringLiteral("WEATHER_CACHE_TTL_S"), QStringLiteral("0")},
        {QStringLiteral("WEATHER_HTTP_TIMEOUT_MS"), QStringLiteral("5000")},
        {QStringLiteral("TOOL_TIMEOUT_MS"), QStringLiteral("8000")},
    };
    for (auto it = extra.cbegin(); it != extra.cend(); ++it)
        values.insert(it.key(), it.value());
    auto config = runtime::RuntimeConfig::fromValues(values);
    if (!config)
        qFatal("invalid test settings: %s", qPrintable(config.error().toString()));
    return config.value();
}

EngineFixture::EngineFixture(sql::DbExecutor &executor, const runtime::RuntimeConfig &config,
                             const QList<core::FlowDefinition> &extraFlows, Limiter limiter,
                             const QList<std::shared_ptr<tools::Tool>> &extraTools,
                             core::TenantSecretSource *secrets)
    : m_clock(std::make_shared<core::ManualClock>())
{
    runtime::RuntimeConfig fixtureConfig = config;
    fixtureConfig.rateLimits.backend = limiter == Limiter::Postgres
                                           ? ratelimit::RateLimitConfig::Backend::Postgres
                                           : ratelimit::RateLimitConfig::Backend::Memory;
    runtime::Injected injected;
    injected.clock = m_clock;
    injected.executor = &executor;
    // Built-ins only: no user directory, so a developer's own flows never leak into a test.
    injected.flowDirectories = QStringList{};
    injected.extraFlows = extraFlows;
    injected.tenantSecrets = secrets;
    injected.extraTools = extraTools;
    auto backend = runtime::Backend::create(fixtureConfig, injected);
    if (!backend)
        qFatal("backend: %s", qPrintable(backend.error().toString()));
    m_backend = std::move(backend).value();
    // The test's own view of the database the backend writes: repositories hold no state.
    m_conversations = std::make_unique<db::ConversationRepository>(executor);
    m_tenants = std::make_unique<db::TenantRepository>(executor);
}

EngineFixture::~EngineFixture()
{
    // Let turns that are still finishing (a test that failed half-way) wind down first.
    (void)QTest::qWaitFor([this] { return m_backend->engine().activeTurns() == 0; }, 5000);
    m_backend.reset();
}

db::ConversationRepository &EngineFixture::conversations()
{
    return *m_conversations;
}

db::TenantRepository &EngineFixture::tenants()
{
    return *m_tenants;
}

flows::TurnEngine &EngineFixture::engine()
{
    return m_backend->engine();
}

service::AgencyService &EngineFixture::service()
{
    return m_backend->service();
}

core::FlowDefinition EngineFixture::flow(const QString &flowType)
{
    for (const core::FlowDefinition &flow : service().flows()) {
        if (flow.flowType == flowType)
            return flow;
    }
    qFatal("no flow %s", qPrintable(flowType));
}

core::Async<core::TurnResult> EngineFixture::run(const core::TurnRequest &request,
                                                 core::TurnEventHandler hook)
{
    return engine().run(request, [this, hook](const core::TurnEvent &event) {
        m_events.append(event);
        if (hook)
            hook(event);
    });
}

core::Result<core::TurnResult> EngineFixture::runTurn(const core::TurnRequest &request, int timeoutMs)
{
    return await(run(request), timeoutMs);
}

core::TurnEventHandler EngineFixture::recorder()
{
    return [this](const core::TurnEvent &event) { m_events.append(event); };
}

QUuid EngineFixture::lastConversation() const
{
    for (auto it = m_events.crbegin(); it != m_events.crend(); ++it) {
        if (!it->conversationId.isNull())
            return it->conversationId;
    }
    return {};
}

QList<core::Message> EngineFixture::stored(const QString &tenantId, const QUuid &conversationId)
{
    auto history = await(conversations().history(tenantId, conversationId, 1000));
    if (!history) {
        // Fail the test here: an empty list would read as "nothing was stored".
        QTest::qFail(qPrintable(QStringLiteral("stored messages: ") + history.error().toString()), __FILE__,
                     __LINE__);
        return {};
    }
    return history.value();
}

core::FlowDefinition testFlow(const QString &flowType, int maxToolRounds, int historyWindow,
                              const QStringList &tools)
{
    core::FlowDefinition flow;
    flow.flowType = flowType;
    flow.title = flowType;
    flow.systemPrompt = QStringLiteral("You are the %1 test agent. Be brief.").arg(flowType);
    flow.tools = tools;
    flow.maxToolRounds = maxToolRounds;
    flow.historyWindow = historyWindow;
    flow.maxTokens = 200;
    flow.source = QStringLiteral("test");
    return flow;
}

core::ToolCall call(const QString &id, const QString &name, const QString &arguments)
{
    return core::ToolCall{id, name, arguments};
}

core::ToolCall weatherCall(const QString &id, const QString &location)
{
    return call(id, QStringLiteral("get_weather"),
                QStringLiteral("{\"location\":\"%1\",\"units\":\"metric\"}").arg(location));
}

core::TurnRequest turnRequest(const QString &tenantId, const QString &flowType, const QString &message,
                              const QUuid &conversation)
{
    core::TurnRequest r;
    r.tenantId = tenantId;
    r.flowType = flowType;
    r.conversationId = conversation;
    r.message = message;
    return r;
}

QJsonArray requestMessages(const RecordedRequest &request)
{
    return request.json().value(QStringLiteral("messages")).toArray();
}

QString promptProblems(const QJsonArray &messages, const QString &systemPrompt)
{
    if (messages.isEmpty())
        return QStringLiteral("no messages");
    const QJsonObject first = messages.first().toObject();
    if (first.value(QStringLiteral("role")).toString() != QLatin1String("system") ||
        first.value(QStringLiteral("content")).toString() != systemPrompt)
        return QStringLiteral("the first message is not the flow's system prompt");
    QSet<QString> open; // calls of the latest assistant message not answered yet
    bool inToolGroup = false;
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const QJsonObject m = messages.at(i).toObject();
        const QString role = m.value(QStringLiteral("role")).toString();
        // Stored system messages may follow the flow's prompt, never come later.
        if (role == QLatin1String("system") && i > 0 &&
            messages.at(i - 1).toObject().value(QStringLiteral("role")).toString() != QLatin1String("system"))
            return QStringLiteral("message %1: a system message after the conversation began").arg(i);
        if (role == QLatin1String("tool")) {
            const QString id = m.value(QStringLiteral("tool_call_id")).toString();
            if (!inToolGroup || !open.remove(id))
                return QStringLiteral("message %1: tool result %2 answers no preceding call").arg(i).arg(id);
            continue;
        }
        if (!open.isEmpty())
            return QStringLiteral("message %1: calls left unanswered before it: %2")
                .arg(i)
                .arg(QStringList(open.cbegin(), open.cend()).join(u','));
        inToolGroup = false;
        const QJsonArray calls = m.value(QStringLiteral("tool_calls")).toArray();
        if (role == QLatin1String("assistant") && !calls.isEmpty()) {
            for (const QJsonValue &c : calls)
                open.insert(c.toObject().value(QStringLiteral("id")).toString());
            inToolGroup = true;
        }
    }
    if (!open.isEmpty())
        return QStringLiteral("calls left unanswered at the end: %1")
            .arg(QStringList(open.cbegin(), open.cend()).join(u','));
    return {};
}

QString storedProblems(const QList<core::Message> &messages)
{
    QSet<QString> open;
    bool inToolGroup = false;
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const core::Message &m = messages.at(i);
        if (m.role == core::Role::Tool) {
            if (!inToolGroup || !open.remove(m.toolCallId))
                return QStringLiteral("message %1: tool result %2 without its call").arg(i).arg(m.toolCallId);
            continue;
        }
        if (!open.isEmpty())
            return QStringLiteral("message %1: an assistant call has no result").arg(i);
        inToolGroup = !m.toolCalls.isEmpty();
        for (const core::ToolCall &c : m.toolCalls)
            open.insert(c.id);
    }
    return open.isEmpty() ? QString() : QStringLiteral("the last assistant call has no result");
}

namespace {

QString roleLabel(const QString &role, qsizetype calls)
{
    return calls > 0 ? QStringLiteral("%1(%2)").arg(role).arg(calls) : role;
}

} // namespace

QString roles(const QList<core::Message> &messages)
{
    QStringList out;
    for (const core::Message &m : messages)
        out.append(roleLabel(core::roleName(m.role), m.toolCalls.size()));
    return out.join(u',');
}

QString roles(const QJsonArray &requestMessages)
{
    QStringList out;
    for (const QJsonValue &v : requestMessages) {
        const QJsonObject m = v.toObject();
        out.append(roleLabel(m.value(QStringLiteral("role")).toString(),
                             m.value(QStringLiteral("tool_calls")).toArray().size()));
    }
    return out.join(u',');
}

QString eventKinds(const QList<core::TurnEvent> &events)
{
    using Kind = core::TurnEvent::Kind;
    QStringList out;
    for (const core::TurnEvent &e : events) {
        QString name;
        switch (e.kind) {
        case Kind::Started:
            name = QStringLiteral("started");
            break;
        case Kind::TextDelta:
            name = QStringLiteral("delta");
            if (!out.isEmpty() && out.last() == name)
                continue;
            break;
        case Kind::ToolCallStarted:
            name = QStringLiteral("call");
            break;
        case Kind::ToolResult:
            name = QStringLiteral("result");
            break;
        case Kind::ApprovalRequired:
            name = QStringLiteral("approval");
            break;
        case Kind::Done:
            name = QStringLiteral("done");
            break;
        case Kind::Error:
            name = QStringLiteral("error");
            break;
        }
        out.append(name);
    }
    return out.join(u',');
}

QStringList usageRows(sql::DbExecutor &executor, const QUuid &conversationId)
{
    auto rows = await(
        executor.run<QStringList>([conversationId](sql::DbConnection &conn) -> core::Result<QStringList> {
            auto q = conn.exec(
                QStringLiteral("SELECT outcome, prompt_tokens, completion_tokens, total_tokens, model "
                               "FROM llm_usage WHERE conversation_id = ?::uuid ORDER BY id"),
                {conversationId.toString(QUuid::WithoutBraces)}, QStringLiteral("usage rows"));
            if (!q)
                return q.error();
            QStringList out;
            while (q.value()->next()) {
                out.append(QStringLiteral("%1:%2/%3/%4:%5")
                               .arg(q.value()->value(0).toString())
                               .arg(q.value()->value(1).toLongLong())
                               .arg(q.value()->value(2).toLongLong())
                               .arg(q.value()->value(3).toLongLong())
                               .arg(q.value()->value(4).toString()));
            }
            return out;
        }));
    if (!rows) {
        qWarning("usage rows: %s", qPrintable(rows.error().toString()));
        return {QStringLiteral("error")};
    }
    return rows.value();
}

} // namespace agency::test
