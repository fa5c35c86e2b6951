// ./dev bench turn: the overhead of a chat turn (history load, persistence, rate limiting, usage
// recording, provider adapter) with an instant fake provider on loopback, at 1 and 64 concurrent
// turns, next to pgbench's insert rate on the same database (docs/benchmarks.md).
#include "cpujitter.h"
#include "datasetgenerator.h"
#include "instantprovider.h"
#include "stats.h"

#include "flows/flowparser.h"
#include "flows/turnengine.h"
#include "llm/provider.h"
#include "llm/router.h"
#include "runtime/backend.h"
#include "runtime/runtimeconfig.h"
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"
#include "sql/embeddedpostgres.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QProcess>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTimer>

#include <cstdio>
#include <ctime>

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
    /// `spreadMs`: the clients start evenly over this time instead of all at once, so that with a
    /// provider that takes a fixed time they do not arrive in lockstep waves.
    Load(flows::TurnEngine &engine, int clients, int total, int spreadMs = 0,
         QString flowType = QStringLiteral("bench"))
        : m_engine(engine), m_clients(clients), m_total(total), m_spreadMs(spreadMs),
          m_flowType(std::move(flowType))
    {
    }

    bench::LatencyStats run(double *seconds, int *errors)
    {
        m_conversations.resize(m_clients);
        QElapsedTimer wall;
        wall.start();
        for (int c = 0; c < m_clients; ++c) {
            if (m_spreadMs > 0)
                QTimer::singleShot(m_spreadMs * c / m_clients, Qt::PreciseTimer, this,
                                   [this, c] { next(c); });
            else
                next(c);
        }
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
        core::TurnRequest request;
        request.tenantId = QStringLiteral("bench-%1").arg(client % 8);
        request.flowType = m_flowType;
        request.conversationId = m_conversations[client];
        request.message =
            QStringLiteral("Turn %1: summarise the options for the client meeting.").arg(m_started);
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_engine.run(request).then(this, [this, client, timer](const core::Result<core::TurnResult> &result) {
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
    int m_spreadMs;
    QString m_flowType;
    int m_started = 0;
    int m_done = 0;
    int m_errors = 0;
    QList<QUuid> m_conversations;
    bench::LatencyStats m_stats;
};

/// The provider call alone (adapter, HTTP on loopback, JSON), as many at once as `clients`: the
/// part of a turn that is not the database. `turnSized`: the request a turn sends (the flow's
/// system prompt and a 20-message history, streamed) instead of two messages.
class ProviderLoad : public QObject
{
public:
    ProviderLoad(llm::Provider &provider, int clients, int total, bool turnSized = false)
        : m_provider(provider), m_clients(clients), m_total(total), m_turnSized(turnSized)
    {
    }

    /// `cpuSeconds`: the CPU time the whole process used meanwhile (adapter, Qt's HTTP threads and
    /// the fake server, which runs in this process too).
    bench::LatencyStats run(double *seconds, double *cpuSeconds = nullptr)
    {
        QElapsedTimer wall;
        wall.start();
        const std::clock_t cpuStart = std::clock();
        for (int c = 0; c < m_clients; ++c)
            next();
        while (m_done < m_total)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents);
        *seconds = static_cast<double>(wall.nsecsElapsed()) / 1e9;
        if (cpuSeconds)
            *cpuSeconds = static_cast<double>(std::clock() - cpuStart) / CLOCKS_PER_SEC;
        return m_stats;
    }

private:
    static core::ChatMessage message(core::Role role, const QString &content)
    {
        core::ChatMessage m;
        m.role = role;
        m.content = content;
        return m;
    }

    void next()
    {
        if (m_started >= m_total)
            return;
        ++m_started;
        llm::CompletionRequest request;
        request.messages = {message(core::Role::System, QStringLiteral("You are a concise assistant."))};
        llm::CallOptions options;
        if (m_turnSized) {
            // What the bench flow's turns send: earlier turns' questions and answers.
            for (int turn = 1; turn <= 10; ++turn) {
                request.messages.append(message(
                    core::Role::User,
                    QStringLiteral("Turn %1: summarise the options for the client meeting.").arg(turn)));
                request.messages.append(
                    message(core::Role::Assistant,
                            QStringLiteral("Noted. Here is a short answer for the benchmark.")));
            }
            options.onDelta = [](const llm::Delta &) {};
        } else {
            request.messages.append(
                message(core::Role::User, QStringLiteral("Summarise the options for the client meeting.")));
        }
        auto timer = std::make_shared<QElapsedTimer>();
        timer->start();
        m_provider.complete(request, options)
            .then(this, [this, timer](const core::Result<llm::Completion> &) {
                m_stats.samplesUs.append(timer->nsecsElapsed() / 1000);
                ++m_done;
                next();
            });
    }

    llm::Provider &m_provider;
    int m_clients;
    int m_total;
    bool m_turnSized;
    int m_started = 0;
    int m_done = 0;
    bench::LatencyStats m_stats;
};

/// What a pgbench run measured: transactions per second (-1 when pgbench failed) and, when asked
/// for, each transaction's latency.
struct PgbenchRun
{
    double tps = -1;
    bench::LatencyStats latency;
};

/// Reads the latencies (third column, microseconds) of pgbench's per-transaction logs in `dir`.
bench::LatencyStats readPgbenchLogs(const QString &dir)
{
    bench::LatencyStats stats;
    for (const QFileInfo &file : QDir(dir).entryInfoList({QStringLiteral("pgb.*")}, QDir::Files)) {
        QFile log(file.filePath());
        if (!log.open(QIODevice::ReadOnly))
            continue;
        while (!log.atEnd()) {
            const QList<QByteArray> fields = log.readLine().simplified().split(' ');
            if (fields.size() >= 3)
                stats.samplesUs.append(fields.at(2).toLongLong());
        }
    }
    return stats;
}

/// pgbench with an insert-only script: the commit rate this database manages, for comparison.
/// With `logLatency`, each transaction's latency too (one client: what one durable commit takes).
PgbenchRun pgbenchInserts(const sql::ConnectionParams &params, int clients, int seconds, bool logLatency)
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
    QTemporaryDir logs;
    QStringList args{QStringLiteral("-n"), QStringLiteral("-f"),     script.fileName(),
                     QStringLiteral("-c"), QString::number(clients), QStringLiteral("-j"),
                     QStringLiteral("2"),  QStringLiteral("-T"),     QString::number(seconds)};
    if (logLatency)
        args << QStringLiteral("-l") << QStringLiteral("--log-prefix=%1/pgb").arg(logs.path());
    QProcess run;
    run.setProcessChannelMode(QProcess::MergedChannels);
    run.start(QStringLiteral("pgbench"), args + common);
    run.waitForFinished((seconds + 60) * 1000);
    PgbenchRun result;
    for (const QByteArray &line : run.readAll().split('\n')) {
        if (line.startsWith("tps ="))
            result.tps = QString::fromUtf8(line.mid(6, line.indexOf('(') - 6)).trimmed().toDouble();
    }
    if (logLatency && result.tps > 0)
        result.latency = readPgbenchLogs(logs.path());
    return result;
}

/// What a concurrency level measured, for the targets.
struct Level
{
    double p50Ms = 0;
    double p99Ms = 0;
    double turnsPerSecond = 0;
};

QString verdict(bool met)
{
    return met ? QStringLiteral("PASS") : QStringLiteral("MISS");
}

/// The targets of docs/benchmarks.md, each against a reference measured in this run.
void printTargets(const QHash<int, Level> &levels, const QHash<int, double> &pgbenchTps)
{
    out(QStringLiteral("\nTargets (docs/benchmarks.md):\n"));
    out(QStringLiteral("| target | measured | verdict |\n|---|---:|---|"));
    if (const auto one = levels.constFind(1); one != levels.cend()) {
        out(QStringLiteral("| 1 client: p50 ≤ 2.0 ms | %1 ms | %2 |")
                .arg(one->p50Ms, 0, 'f', 2)
                .arg(verdict(one->p50Ms <= 2.0)));
        out(QStringLiteral("| 1 client: p99 ≤ 5 ms | %1 ms | %2 |")
                .arg(one->p99Ms, 0, 'f', 2)
                .arg(verdict(one->p99Ms <= 5.0)));
    }
    const auto many = levels.constFind(64);
    const double reference = pgbenchTps.value(64, -1);
    if (many != levels.cend() && reference > 0) {
        const double share = 100.0 * many->turnsPerSecond / reference;
        out(QStringLiteral(
                "| 64 clients: turns/s ≥ 35% of pgbench's 64-client inserts/s | %1 / %2 = %3% | %4 |")
                .arg(many->turnsPerSecond, 0, 'f', 0)
                .arg(reference, 0, 'f', 0)
                .arg(share, 0, 'f', 1)
                .arg(verdict(share >= 35.0)));
    }
    // A turn's answer is durable before the client gets it: at least one commit that waits for
    // its disk flush, whose cost this line shows (one pgbench client commits one at a time).
    if (const double single = pgbenchTps.value(1, -1); single > 0)
        out(QStringLiteral("\nOne durable commit on this disk (1 / pgbench's 1-client rate): %1 ms")
                .arg(1000.0 / single, 0, 'f', 2));
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
    const QCommandLineOption clientsOpt(QStringLiteral("clients"),
                                        QStringLiteral("concurrency levels, comma-separated (default 1,64)"),
                                        QStringLiteral("list"), QStringLiteral("1,64"));
    const QCommandLineOption delaysOpt(
        QStringLiteral("provider-delays"),
        QStringLiteral("provider answer times in ms for the 64-in-flight table, comma-separated "
                       "(default 100,1000; empty: skip)"),
        QStringLiteral("list"), QStringLiteral("100,1000"));
    parser.addOptions({turnsOpt, dataDirOpt, poolOpt, asyncOpt, clientsOpt, delaysOpt});
    parser.process(app);
    const int turns = std::max(10, parser.value(turnsOpt).toInt());

    // A durable cluster (fsync on), like production: commits are what a turn waits for.
    sql::EmbeddedPostgres::Options options;
    options.dataDir = QFileInfo(parser.value(dataDirOpt)).absoluteFilePath();
    sql::EmbeddedPostgres cluster(options);
    auto params = cluster.start();
    if (!params) {
        out(params.error().toString());
        return 1;
    }
    if (auto ok = bench::migrate(params.value()); !ok) {
        out(ok.error().toString());
        return 1;
    }
    if (parser.isSet(asyncOpt))
        params.value().connectOptions = QStringLiteral("options=-csynchronous_commit=off");
    bench::InstantProvider fake;
    const QString baseUrl = fake.start();
    if (baseUrl.isEmpty()) {
        out(QStringLiteral("cannot start the instant provider"));
        return 1;
    }

    const auto config = runtime::RuntimeConfig::fromValues(bench::InstantProvider::settings(baseUrl));
    if (!config) {
        out(config.error().toString());
        return 1;
    }
    // The program's backend from the composition root, on the database set up above (its pool size
    // and commit mode are the benchmark's parameters) and with the benchmark's flow alone.
    sql::DbExecutor executor(params.value(), std::max(1, parser.value(poolOpt).toInt()));
    auto flow = flows::parseFlowDefinition(
        QJsonObject{{QStringLiteral("flow_type"), QStringLiteral("bench")},
                    {QStringLiteral("system_prompt"), QStringLiteral("You are a concise assistant.")},
                    {QStringLiteral("history_window"), 20}},
        QStringLiteral("bench"));
    runtime::Injected injected;
    injected.executor = &executor;
    injected.flowDirectories = QStringList{};
    // The same flow with a route of three targets (all the instant fake): the first answers, so
    // what differs is the routing itself (planning, breakers, attempts stored with the answer).
    QJsonObject routedJson = flow->toJson();
    routedJson.insert(QStringLiteral("flow_type"), QStringLiteral("bench-routed"));
    routedJson.insert(QStringLiteral("route"),
                      QStringLiteral("openai:bench-model,openai:bench-model-b,openai:bench-model-c"));
    auto routed = flows::parseFlowDefinition(routedJson, QStringLiteral("bench"));
    injected.extraFlows = {flow.value(), routed.value()};
    auto backend = runtime::Backend::create(config.value(), injected);
    if (!backend) {
        out(backend.error().toString());
        return 1;
    }
    flows::TurnEngine &engine = backend.value()->engine();
    // The provider the turns use (the root keeps one per provider and model).
    auto provider = backend.value()->providers().provider(QStringLiteral("openai"), {});
    if (!provider) {
        out(provider.error().toString());
        return 1;
    }

    out(QStringLiteral("warming up…"));
    double seconds = 0;
    int errors = 0;
    Load(engine, 8, 200).run(&seconds, &errors);
    // As the server does: the warm-up's rows get planner statistics, queued ahead of every
    // measured turn, so the turns run with the plans of a server that has been up a while.
    backend.value()->startPlannerStatistics();

    out(QStringLiteral("\nsynchronous_commit: %1; database connections: %2")
            .arg(parser.isSet(asyncOpt) ? QStringLiteral("off") : QStringLiteral("on"))
            .arg(executor.workerCount()));
    out(QStringLiteral(
        "\nChat turn with an instant OpenAI-compatible fake on loopback, clients sending turns back to "
        "back; each turn: one statement that checks the conversation, stores the user message and "
        "reads 20 messages of history; reserve and settle tokens; the provider call over HTTP; a usage "
        "row; the answer. Writes of turns waiting together share a commit (grouped %: jobs that "
        "rode in a shared commit).\n"));
    out(QStringLiteral(
        "| concurrent turns | turns | p50 ms | p99 ms | max ms | turns/s | jobs per shared commit "
        "| grouped % | errors |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"));
    QList<int> levels;
    for (const QString &level : parser.value(clientsOpt).split(QLatin1Char(',')))
        levels.append(std::max(1, level.toInt()));
    auto measure = [&](int clients, int count, qint64 providerUs, const QString &label) -> Level {
        const sql::DbExecutor::Stats before = executor.stats();
        auto stats = Load(engine, clients, count, static_cast<int>(providerUs / 1000)).run(&seconds, &errors);
        const sql::DbExecutor::Stats after = executor.stats();
        const double groups = static_cast<double>(after.groups - before.groups);
        const double grouped = static_cast<double>(after.groupedJobs - before.groupedJobs);
        const double jobs = static_cast<double>(after.jobs - before.jobs);
        for (qint64 &sample : stats.samplesUs)
            sample = std::max<qint64>(0, sample - providerUs);
        out(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 | %7 | %8 | %9 |")
                .arg(label)
                .arg(stats.samplesUs.size())
                .arg(stats.percentileMs(50), 0, 'f', 2)
                .arg(stats.percentileMs(99), 0, 'f', 2)
                .arg(stats.percentileMs(100), 0, 'f', 2)
                .arg(static_cast<double>(stats.samplesUs.size()) / seconds, 0, 'f', 0)
                .arg(groups > 0 ? grouped / groups : 0.0, 0, 'f', 1)
                .arg(jobs > 0 ? 100.0 * grouped / jobs : 0.0, 0, 'f', 0)
                .arg(errors));
        return {stats.percentileMs(50), stats.percentileMs(99),
                static_cast<double>(stats.samplesUs.size()) / seconds};
    };
    QHash<int, Level> measured;
    for (int clients : levels)
        measured.insert(clients, measure(clients, turns, 0, QString::number(clients)));
    if (const auto one = measured.constFind(1); one != measured.cend() && one->p50Ms > 0) {
        // The reference for the 1-client p99: what the machine does to CPU work of the same
        // length, measured in the same run (a virtual machine's host takes the CPU away at times).
        const bench::LatencyStats cpu = bench::measureCpuJitter(one->p50Ms, 1000);
        out(QStringLiteral("\nThe machine's own steadiness, right after: single-thread CPU work sized to the "
                           "1-client p50, timed 1,000 times: p50 %1 ms, p99 %2 ms (p99 = %3 × p50); the "
                           "1-client turns: p99 = %4 × p50. A turn at 1 client is mostly a chain of CPU work "
                           "of about that length, exposed to the same; the machine's steadiness changes "
                           "from one minute to the next, and this ran after the turns, not with them.")
                .arg(cpu.percentileMs(50), 0, 'f', 2)
                .arg(cpu.percentileMs(99), 0, 'f', 2)
                .arg(cpu.percentileMs(99) / std::max(cpu.percentileMs(50), 0.001), 0, 'f', 1)
                .arg(one->p99Ms / one->p50Ms, 0, 'f', 1));
    }

    // Routing: the same 1-client turns with and without a route, in alternating blocks so that the
    // machine's drift falls on both alike; then the router's planning alone.
    if (levels.contains(1)) {
        bench::LatencyStats plain;
        bench::LatencyStats withRoute;
        const int block = std::max(50, turns / 8);
        for (int round = 0; round < 4; ++round) {
            plain.samplesUs += Load(engine, 1, block).run(&seconds, &errors).samplesUs;
            withRoute.samplesUs +=
                Load(engine, 1, block, 0, QStringLiteral("bench-routed")).run(&seconds, &errors).samplesUs;
        }
        const double base = plain.percentileMs(50);
        const double routedP50 = withRoute.percentileMs(50);
        out(QStringLiteral("\nRouting at 1 client, alternating blocks of %1 turns (no route: one target as "
                           "without routing; a route of three targets, the first answering):\n")
                .arg(block));
        out(QStringLiteral("| turns | p50 ms | p99 ms |\n|---|---:|---:|"));
        out(QStringLiteral("| no route | %1 | %2 |")
                .arg(base, 0, 'f', 3)
                .arg(plain.percentileMs(99), 0, 'f', 2));
        out(QStringLiteral("| route of 3 targets | %1 | %2 |")
                .arg(routedP50, 0, 'f', 3)
                .arg(withRoute.percentileMs(99), 0, 'f', 2));
        core::Route route = core::Route::parse(routedJson.value(QStringLiteral("route")).toString()).value();
        core::CapabilityNeeds needs;
        needs.streaming = true;
        needs.tokens = 2000;
        llm::Router &router = backend.value()->providers().router();
        constexpr int kPlans = 100'000;
        QElapsedTimer planning;
        planning.start();
        for (int i = 0; i < kPlans; ++i)
            (void)router.plan(route, needs);
        const double planUs = static_cast<double>(planning.nsecsElapsed()) / 1000.0 / kPlans;
        const double added = base > 0 ? 100.0 * (routedP50 - base) / base : 0;
        out(QStringLiteral(
                "\nPlanning a route of three targets (capabilities, provider lookup): %1 µs per call.")
                .arg(planUs, 0, 'f', 2));
        out(QStringLiteral("Routing adds %1 % to the 1-client p50 (target < 5 %): %2")
                .arg(added, 0, 'f', 1)
                .arg(verdict(added < 5.0)));
    }

    // The same turns while the provider takes a model's time to answer: 64 conversations in
    // flight as in production, where the database and the engine see a steady load instead of
    // a closed loop. Overhead = turn time minus the provider's delay. The conversations start
    // spread over one delay, as users do not all press enter in the same millisecond.
    out(QStringLiteral("\n64 conversations in flight, the provider holding each answer for a fixed time; "
                       "times are the overhead: turn time minus that delay.\n"));
    out(QStringLiteral("| provider answers in | turns | overhead p50 ms | overhead p99 ms | max ms | turns/s "
                       "| jobs per shared commit | grouped % | errors |\n"
                       "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"));
    for (const QString &delay : parser.value(delaysOpt).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const int ms = std::max(1, delay.toInt());
        fake.setDelayMs(ms);
        // About ten seconds of load per delay, at least two rounds per conversation.
        const int count = std::max(128, std::min(turns, 64 * 10000 / ms));
        measure(64, count, qint64{ms} * 1000, QStringLiteral("%1 ms").arg(ms));
    }
    fake.setDelayMs(0);
    out(QStringLiteral("\nThe provider call alone (OpenAI adapter, HTTP on loopback), same fake:\n"));
    out(QStringLiteral(
        "| concurrent calls | calls | p50 ms | p99 ms | calls/s |\n|---:|---:|---:|---:|---:|"));
    for (int clients : levels) {
        auto stats = ProviderLoad(*provider.value(), clients, turns).run(&seconds);
        out(QStringLiteral("| %1 | %2 | %3 | %4 | %5 |")
                .arg(clients)
                .arg(stats.samplesUs.size())
                .arg(stats.percentileMs(50), 0, 'f', 2)
                .arg(stats.percentileMs(99), 0, 'f', 2)
                .arg(static_cast<double>(stats.samplesUs.size()) / seconds, 0, 'f', 0));
    }
    out(QStringLiteral(
        "\nThe same call with the request a turn sends (system prompt and 20 history messages, "
        "streamed), and the CPU time of the whole process per call (adapter, Qt's HTTP "
        "threads, the fake server):\n"));
    out(QStringLiteral("| concurrent calls | calls | p50 ms | p99 ms | calls/s | CPU µs per call |\n"
                       "|---:|---:|---:|---:|---:|---:|"));
    for (int clients : levels) {
        double cpuSeconds = 0;
        auto stats = ProviderLoad(*provider.value(), clients, turns, true).run(&seconds, &cpuSeconds);
        out(QStringLiteral("| %1 | %2 | %3 | %4 | %5 | %6 |")
                .arg(clients)
                .arg(stats.samplesUs.size())
                .arg(stats.percentileMs(50), 0, 'f', 2)
                .arg(stats.percentileMs(99), 0, 'f', 2)
                .arg(static_cast<double>(stats.samplesUs.size()) / seconds, 0, 'f', 0)
                .arg(cpuSeconds * 1e6 / std::max<qsizetype>(1, stats.samplesUs.size()), 0, 'f', 0));
    }
    out(QStringLiteral("\npgbench, insert-only script (one INSERT per transaction), same cluster; with one "
                       "client each transaction is one durable commit, the least a turn waits for:\n"));
    out(QStringLiteral("| pgbench clients | transactions/s | p50 ms | p99 ms |\n|---:|---:|---:|---:|"));
    QHash<int, double> pgbenchTps;
    for (int clients : {1, 64}) {
        const PgbenchRun run = pgbenchInserts(params.value(), clients, 10, clients == 1);
        pgbenchTps.insert(clients, run.tps);
        const bool timed = !run.latency.samplesUs.isEmpty();
        out(QStringLiteral("| %1 | %2 | %3 | %4 |")
                .arg(clients)
                .arg(run.tps > 0 ? QString::number(run.tps, 'f', 0) : QStringLiteral("n/a (pgbench failed)"))
                .arg(timed ? QString::number(run.latency.percentileMs(50), 'f', 2) : QStringLiteral("–"))
                .arg(timed ? QString::number(run.latency.percentileMs(99), 'f', 2) : QStringLiteral("–")));
    }
    printTargets(measured, pgbenchTps);
    return 0;
}
