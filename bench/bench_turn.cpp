// ./dev bench turn: the overhead of a chat turn (history load, persistence, rate limiting, usage
// recording, provider adapter) with an instant fake provider on loopback, at 1 and 64 concurrent
// turns, next to pgbench's insert rate on the same database (DESIGN.md §11).
#include "instantprovider.h"
#include "stats.h"

#include "config/settings.h"
#include "core/clock.h"
#include "db/conversationrepository.h"
#include "db/dbconnection.h"
#include "db/dbexecutor.h"
#include "db/embeddedpostgres.h"
#include "db/migrator.h"
#include "flows/flowregistry.h"
#include "flows/turnengine.h"
#include "llm/provider.h"
#include "llm/providerfactory.h"
#include "ratelimit/limitpolicy.h"
#include "ratelimit/memoryratelimiter.h"
#include "ratelimit/usagerecorder.h"
#include "tools/toolregistry.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QProcess>
#include <QTemporaryFile>

#include <cstdio>

using namespace agency;

namespace {

void out(const QString &text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

/// Clients that each keep one conversation and send turns back to back until `total` turns are done.
class Load : public QObject
{
public:
    Load(flows::TurnEngine &engine, int clients, int total)
        : m_engine(engine), m_clients(clients), m_total(total)
    {
    }

    bench::LatencyStats run(double *seconds, int *errors)
    {
        m_conversations.resize(m_clients);
        QElapsedTimer wall;
        wall.start();
        for (int c = 0; c < m_clients; ++c)
            next(c);
        while (m_done < m_total)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        *seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
        *errors = m_errors;
        return m_stats;
    }

private:
    void next(int client)
    {
        if (m_started >= m_total)
            return;
        ++m_started;
        flows::TurnRequest request;
        request.tenantId = QStringLiteral("bench-%1").arg(client % 8);
        request.flowType = QStringLiteral("bench");
        request.conversationId = m_conversations[client];
        request.message =
            QStringLiteral("Turn %1: summarise the options for the client meeting.").arg(m_started);
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_engine.run(request).then(
            this, [this, client, timer](const core::Result<flows::TurnResult> &result) {
                if (result) {
                    m_stats.samplesUs.append(timer->nsecsElapsed() / 1000);
                    m_conversations[client] = result->conversationId;
                } else {
                    ++m_errors;
                    if (m_errors <= 3)
                        out(QStringLiteral("  turn failed: %1").arg(result.error().toString()));
                }
                ++m_done;
                next(client);
            });
    }

    flows::TurnEngine &m_engine;
    int m_clients;
    int m_total;
    int m_started = 0;
    int m_done = 0;
    int m_errors = 0;
    QList<QUuid> m_conversations;
    bench::LatencyStats m_stats;
};

/// pgbench with an insert-only script: the commit rate this database manages, for comparison.
QString pgbenchInserts(const db::ConnectionParams &params, int clients, int seconds)
{
    QTemporaryFile script;
    script.open();
    script.write("\\set x random(1, 1000000)\n"
                 "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, :x, 0, now());\n");
    script.flush();
    const QStringList common{
        QStringLiteral("-h"), params.host, QStringLiteral("-p"), QString::number(params.port),
        QStringLiteral("-U"), params.user, params.database};
    QProcess init;
    init.start(QStringLiteral("pgbench"), QStringList{QStringLiteral("-i"), QStringLiteral("-q"),
                                                      QStringLiteral("-s"), QStringLiteral("1")} +
                                              common);
    init.waitForFinished(120000);
    QProcess run;
    run.setProcessChannelMode(QProcess::MergedChannels);
    run.start(QStringLiteral("pgbench"),
              QStringList{QStringLiteral("-n"), QStringLiteral("-f"), script.fileName(), QStringLiteral("-c"),
                          QString::number(clients), QStringLiteral("-j"), QStringLiteral("2"),
                          QStringLiteral("-T"), QString::number(seconds)} +
                  common);
    run.waitForFinished((seconds + 60) * 1000);
    for (const QByteArray &line : run.readAll().split('\n')) {
        if (line.startsWith("tps ="))
            return QString::fromUtf8(line.mid(6, line.indexOf('(') - 6)).trimmed();
    }
    return QStringLiteral("n/a (pgbench failed)");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Chat-turn overhead benchmark"));
    parser.addHelpOption();
    const QCommandLineOption turnsOpt(QStringLiteral("turns"),
                                      QStringLiteral("turns per concurrency level (default 2000)"),
                                      QStringLiteral("n"), QStringLiteral("2000"));
    const QCommandLineOption dataDirOpt(QStringLiteral("data-dir"),
                                        QStringLiteral("cluster directory (default build/bench-turn-data)"),
                                        QStringLiteral("dir"), QStringLiteral("build/bench-turn-data"));
    const QCommandLineOption poolOpt(QStringLiteral("pool"),
                                     QStringLiteral("database connections (default 4)"), QStringLiteral("n"),
                                     QStringLiteral("4"));
    const QCommandLineOption asyncOpt(
        QStringLiteral("async-commit"),
        QStringLiteral("synchronous_commit=off: shows the overhead without the disk "
                       "flush each commit waits for"));
    parser.addOptions({turnsOpt, dataDirOpt, poolOpt, asyncOpt});
    parser.process(app);
    const int turns = std::max(10, parser.value(turnsOpt).toInt());

    // A durable cluster (fsync on), like production: commits are what a turn waits for.
    db::EmbeddedPostgres::Options options;
    options.dataDir = QFileInfo(parser.value(dataDirOpt)).absoluteFilePath();
    db::EmbeddedPostgres cluster(options);
    auto params = cluster.start();
    if (!params) {
        out(params.error().toString());
        return 1;
    }
    {
        db::DbConnection conn(params.value(), QStringLiteral("bench-setup"));
        if (auto ok = conn.ensureOpen(); !ok) {
            out(ok.error().toString());
            return 1;
        }
        if (auto ok = db::Migrator(db::Migrator::embedded()).migrate(conn); !ok) {
            out(ok.error().toString());
            return 1;
        }
    }
    if (parser.isSet(asyncOpt))
        params.value().connectOptions = QStringLiteral("options=-csynchronous_commit=off");
    bench::InstantProvider fake;
    const QString baseUrl = fake.start();
    if (baseUrl.isEmpty()) {
        out(QStringLiteral("cannot start the instant provider"));
        return 1;
    }

    const config::Settings settings = config::Settings::fromValues({
        {QStringLiteral("LLM_PROVIDER"), QStringLiteral("openai")},
        {QStringLiteral("OPENAI_BASE_URL"), baseUrl},
        {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("bench-key")},
        {QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000000000")},
        {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("100000000000")},
    });
    auto clock = std::make_shared<core::SystemClock>();
    db::DbExecutor executor(params.value(), std::max(1, parser.value(poolOpt).toInt()));
    db::ConversationRepository conversations(executor);
    QNetworkAccessManager nam;
    llm::ProviderFactory factory(settings, &nam, *clock);
    tools::ToolRegistry tools;
    flows::FlowRegistry flowRegistry;
    auto flow = flows::parseFlowDefinition(
        QJsonObject{{QStringLiteral("flow_type"), QStringLiteral("bench")},
                    {QStringLiteral("system_prompt"), QStringLiteral("You are a concise assistant.")},
                    {QStringLiteral("history_window"), 20}},
        QStringLiteral("bench"));
    flowRegistry.insert(flow.value());
    auto policy = ratelimit::LimitPolicy::create(
        settings, [](const QString &) { return core::readyAsync<QJsonObject>(QJsonObject()); }, clock);
    ratelimit::MemoryRateLimiter limiter(policy, clock);
    ratelimit::UsageRecorder usage(executor, clock);
    std::shared_ptr<llm::Provider> provider;
    flows::TurnDependencies deps;
    deps.conversations = &conversations;
    deps.flows = &flowRegistry;
    deps.tools = &tools;
    deps.limiter = &limiter;
    deps.usage = &usage;
    deps.clock = clock.get();
    deps.providers = [&](const QString &name,
                         const QString &model) -> core::Result<std::shared_ptr<llm::Provider>> {
        if (!provider) {
            auto created = factory.create(name, model);
            if (!created)
                return created.error();
            provider = created.value();
        }
        return provider;
    };
    flows::TurnEngine engine(deps);

    out(QStringLiteral("warming up…"));
    double seconds = 0;
    int errors = 0;
    Load(engine, 8, 200).run(&seconds, &errors);

    out(QStringLiteral("\nsynchronous_commit: %1; database connections: %2")
            .arg(parser.isSet(asyncOpt) ? QStringLiteral("off") : QStringLiteral("on"))
            .arg(executor.workerCount()));
    out(QStringLiteral(
        "\nChat turn with an instant OpenAI-compatible fake on loopback; each turn: load the "
        "conversation, store the user message, load 20 messages of history, reserve and settle "
        "tokens, call the provider over HTTP, record usage, store the answer (3 commits).\n"));
    out(QStringLiteral("| concurrent turns | turns | p50 ms | p99 ms | max ms | turns/s | errors |\n"
                       "|---:|---:|---:|---:|---:|---:|---:|"));
    for (int clients : {1, 64}) {
        auto stats = Load(engine, clients, turns).run(&seconds, &errors);
        out(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |")
                .arg(clients)
                .arg(stats.samplesUs.size())
                .arg(stats.percentileMs(50), 0, 'f', 2)
                .arg(stats.percentileMs(99), 0, 'f', 2)
                .arg(stats.percentileMs(100), 0, 'f', 2)
                .arg(static_cast<double>(stats.samplesUs.size()) / seconds, 0, 'f', 0)
                .arg(errors));
    }
    out(QStringLiteral("\npgbench, insert-only script (one INSERT per transaction), same cluster:\n"));
    out(QStringLiteral("| pgbench clients | transactions/s |\n|---:|---:|"));
    for (int clients : {1, 64})
        out(QStringLiteral("| %1 | %2 |").arg(clients).arg(pgbenchInserts(params.value(), clients, 10)));
    return 0;
}
