#pragma once

// End-to-end harness for the turn engine and the service: the program's own backend, built by the
// composition root (runtime::Backend) from typed config on a test database, except that the clock
// is a ManualClock, no user flow directory is read and the outside world is fake: the OpenAI
// provider talks to a FakeOpenAiServer and get_weather to a FakeWeatherServer, both over real HTTP
// on 127.0.0.1.

#include "core/clock.h"
#include "core/tenantsecrets.h"
#include "db/records.h"
#include "fakehttpserver.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "flows/flowregistry.h"
#include "flows/turnengine.h"
#include "runtime/runtimeconfig.h"
#include "service/agencyservice.h"
#include "testpostgres.h"

#include <QHash>
#include <QJsonArray>

#include <memory>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql
namespace agency::db {
class ConversationRepository;
class TenantRepository;
} // namespace agency::db
namespace agency::ratelimit {
class RateLimiter;
}
namespace agency::tools {
class Tool;
}
namespace agency::runtime {
class Backend;
}

namespace agency::test {

/// Starts what a backend under test needs from outside the process: PostgreSQL in a temp dir and
/// the fake weather service with its default places. False with `error` set when either fails.
bool startPostgresAndWeather(TestPostgres &pg, FakeWeatherServer &weather, QString *error);

/// What a front end's fixture rebuilds for each test: a fresh database on `pg` (an executor with
/// two connections into `db`) and a listening fake OpenAI provider in `llm`. False with `error` set
/// when either cannot be had.
bool freshDatabaseAndProvider(TestPostgres &pg, std::unique_ptr<sql::DbExecutor> &db,
                              std::unique_ptr<FakeOpenAiServer> &llm, QString *error);

/// Config for the fixture, from settings: OpenAI (the default provider) at `openAiBaseUrl` with one
/// attempt and short timeouts, Open-Meteo at `weatherOrigin` (FakeWeatherServer's /geo/v1 and
/// /meteo/v1 paths), no weather cache. `extra` wins over all of them.
runtime::RuntimeConfig engineConfig(const QString &openAiBaseUrl, const QString &weatherOrigin,
                                    const QHash<QString, QString> &extra = {});

class EngineFixture
{
public:
    enum class Limiter { Memory, Postgres };

    /// Builds the backend on the calling thread, on `executor`'s database. `extraFlows` are added
    /// to the built-in ones (replacing a built-in of the same flow_type); `limiter` picks the rate
    /// limiter back-end. Stops the test run (qFatal) if the backend cannot be built.
    /// `extraTools`: a test's own tools beside the built-in ones (Injected::extraTools).
    /// `secrets`: the tenants' secrets the backend may read (Injected::tenantSecrets), borrowed.
    EngineFixture(sql::DbExecutor &executor, const runtime::RuntimeConfig &config,
                  const QList<core::FlowDefinition> &extraFlows = {}, Limiter limiter = Limiter::Memory,
                  const QList<std::shared_ptr<tools::Tool>> &extraTools = {},
                  core::TenantSecretSource *secrets = nullptr);
    ~EngineFixture();

    core::ManualClock &clock() { return *m_clock; }
    /// The whole backend, as the program has it (run queue, keys, audit, providers…).
    runtime::Backend &backend() { return *m_backend; }
    db::ConversationRepository &conversations();
    db::TenantRepository &tenants();
    flows::TurnEngine &engine();
    service::AgencyService &service();
    /// The loaded flow of `flowType` (as the service lists it); stops the test run if there is none.
    core::FlowDefinition flow(const QString &flowType);

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
    std::unique_ptr<runtime::Backend> m_backend;
    std::unique_ptr<db::ConversationRepository> m_conversations;
    std::unique_ptr<db::TenantRepository> m_tenants;
    QList<core::TurnEvent> m_events;
};

/// A flow for tests: `tools` defaults to get_weather.
core::FlowDefinition testFlow(const QString &flowType, int maxToolRounds = 4, int historyWindow = 50,
                              const QStringList &tools = {QStringLiteral("get_weather")});

core::ToolCall call(const QString &id, const QString &name, const QString &arguments);
core::ToolCall weatherCall(const QString &id, const QString &location);
/// A turn request: `message` from `tenantId` in `flowType`, continuing `conversation` (null: a new one).
core::TurnRequest turnRequest(const QString &tenantId, const QString &flowType, const QString &message,
                              const QUuid &conversation = {});

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
QStringList usageRows(sql::DbExecutor &executor, const QUuid &conversationId);

} // namespace agency::test
