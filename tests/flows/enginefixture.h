#pragma once

// End-to-end harness for the turn engine: the real components wired the way app/backend.cpp wires
// them (repositories on a real PostgreSQL, ProviderFactory from settings, ToolRegistry with the
// real get_weather tool, LimitPolicy + Memory/PostgreSQL limiter, UsageRecorder, TurnEngine,
// AgencyService), except that the clock is a ManualClock and the outside world is fake: the OpenAI
// provider talks to a FakeOpenAiServer and get_weather to a FakeWeatherServer, both over real
// HTTP on 127.0.0.1.

#include "core/clock.h"
#include "db/records.h"
#include "fakehttpserver.h"
#include "flows/flowregistry.h"
#include "flows/turnengine.h"
#include "runtime/runtimeconfig.h"
#include "service/agencyservice.h"

#include <QHash>
#include <QJsonArray>
#include <QNetworkAccessManager>

#include <memory>

namespace agency::db {
class DbExecutor;
class ConversationRepository;
class TenantRepository;
} // namespace agency::db
namespace agency::llm {
class Provider;
class ProviderFactory;
} // namespace agency::llm
namespace agency::tools {
class ToolRegistry;
}
namespace agency::ratelimit {
class LimitPolicy;
class RateLimiter;
class UsageRecorder;
} // namespace agency::ratelimit

namespace agency::test {

/// Config for the fixture, from settings: OpenAI (the default provider) at `openAiBaseUrl` with one
/// attempt and short timeouts, Open-Meteo at `weatherOrigin` (FakeWeatherServer's /geo/v1 and
/// /meteo/v1 paths), no weather cache. `extra` wins over all of them.
runtime::RuntimeConfig engineConfig(const QString &openAiBaseUrl, const QString &weatherOrigin,
                                    const QHash<QString, QString> &extra = {});

class EngineFixture
{
public:
    enum class Limiter { Memory, Postgres };

    /// Builds everything on the calling thread. `extraFlows` are added to the built-in ones
    /// (replacing a built-in of the same flow_type).
    EngineFixture(db::DbExecutor &executor, const runtime::RuntimeConfig &config,
                  const QList<core::FlowDefinition> &extraFlows = {}, Limiter limiter = Limiter::Memory);
    ~EngineFixture();

    core::ManualClock &clock() { return *m_clock; }
    db::ConversationRepository &conversations() { return *m_conversations; }
    db::TenantRepository &tenants() { return *m_tenants; }
    ratelimit::RateLimiter &limiter() { return *m_limiter; }
    flows::TurnEngine &engine() { return *m_engine; }
    service::AgencyService &service() { return *m_service; }
    /// What service() was built from, for a test that builds its own service with more parts.
    const service::ServiceDependencies &serviceDependencies() const { return m_serviceDeps; }
    const flows::FlowRegistry &flows() const { return *m_flows; }

    /// Starts a turn, recording its events into events() (and passing each to `hook`, if any).
    core::Async<core::TurnResult> run(const core::TurnRequest &request, core::TurnEventHandler hook = {});
    /// Runs a turn to its end (events recorded), waiting up to `timeoutMs`.
    core::Result<core::TurnResult> runTurn(const core::TurnRequest &request, int timeoutMs = 20000);

    /// A handler that records into events(), for turns started elsewhere (AgencyService::chat).
    core::TurnEventHandler recorder();
    const QList<core::TurnEvent> &events() const { return m_events; }
    void clearEvents() { m_events.clear(); }
    /// The conversation the last turn started (from its events; also set when it failed).
    QUuid lastConversation() const;

    /// Everything stored in a conversation, oldest first (through ConversationRepository::history).
    QList<core::Message> stored(const QString &tenantId, const QUuid &conversationId);

private:
    std::shared_ptr<core::ManualClock> m_clock;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<db::ConversationRepository> m_conversations;
    std::unique_ptr<db::TenantRepository> m_tenants;
    std::unique_ptr<llm::ProviderFactory> m_providerFactory;
    std::unique_ptr<tools::ToolRegistry> m_tools;
    std::unique_ptr<flows::FlowRegistry> m_flows;
    std::shared_ptr<ratelimit::LimitPolicy> m_policy;
    std::unique_ptr<ratelimit::RateLimiter> m_limiter;
    std::unique_ptr<ratelimit::UsageRecorder> m_usage;
    std::unique_ptr<flows::TurnEngine> m_engine;
    std::unique_ptr<service::AgencyService> m_service;
    service::ServiceDependencies m_serviceDeps;
    QHash<QString, std::shared_ptr<llm::Provider>> m_providerCache;
    QList<core::TurnEvent> m_events;
};

/// A flow for tests: `tools` defaults to get_weather.
core::FlowDefinition testFlow(const QString &flowType, int maxToolRounds = 4, int historyWindow = 50,
                              const QStringList &tools = {QStringLiteral("get_weather")});

core::ToolCall call(const QString &id, const QString &name, const QString &arguments);
core::ToolCall weatherCall(const QString &id, const QString &location);

/// The "messages" array of a recorded chat request.
QJsonArray requestMessages(const RecordedRequest &request);

/// Checks what a provider is sent: the system prompt first and only there, every `tool` message
/// answering a call of the assistant message right before its group, every assistant tool call
/// answered right after it. Empty when fine, else what is wrong.
QString promptProblems(const QJsonArray &messages, const QString &systemPrompt);

/// Same invariant over stored messages: no assistant tool call without its result and no result
/// without its call. Empty when fine.
QString storedProblems(const QList<core::Message> &messages);

/// Roles as a compact string for QCOMPARE: "user,assistant(2),tool,tool,assistant" — an
/// assistant with tool calls shows how many.
QString roles(const QList<core::Message> &messages);
QString roles(const QJsonArray &requestMessages);

/// Event kinds as "started,call,result,delta,done,error" (consecutive deltas of one round
/// collapse into one "delta").
QString eventKinds(const QList<core::TurnEvent> &events);

/// Rows of llm_usage for a conversation, oldest first: "outcome:prompt/completion/total:model".
QStringList usageRows(db::DbExecutor &executor, const QUuid &conversationId);

} // namespace agency::test
