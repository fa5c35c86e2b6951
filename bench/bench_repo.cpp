// ./dev bench repo: the conversation store at the seed's claimed scale (docs/benchmarks.md).
// Loads (or reuses) a synthetic dataset with COPY, then times the repository calls the console
// and the API make, through the real DbExecutor, and prints the plans PostgreSQL chose.
#include "datasetgenerator.h"
#include "stats.h"

#include "db/conversationrepository.h"
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"
#include "sql/embeddedpostgres.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSysInfo>
#include <QTemporaryFile>
#include <QThread>

#include <cstdio>
#include <unistd.h>

using namespace agency;
using namespace agency::bench;

namespace {

void out(const QString &text)
{
    std::printf("%s\n", qPrintable(text));
    std::fflush(stdout);
}

template <typename T> core::Result<T> wait(core::Async<T> future)
{
    // A benchmark driver, not a server: blocking this thread is what we want to measure around.
    future.waitForFinished();
    return future.result();
}

template <typename Call> LatencyStats measure(int iterations, Call call)
{
    LatencyStats stats;
    QElapsedTimer timer;
    for (int i = 0; i < iterations; ++i) {
        timer.start();
        if (!call(i)) {
            out(QStringLiteral("  call failed at iteration %1").arg(i));
            break;
        }
        stats.samplesUs.append(timer.nsecsElapsed() / 1000);
    }
    return stats;
}

QString machine()
{
    QFile cpu(QStringLiteral("/proc/cpuinfo"));
    QString model;
    if (cpu.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : cpu.readAll().split('\n')) {
            if (line.startsWith("model name")) {
                model = QString::fromUtf8(line.mid(line.indexOf(':') + 1)).trimmed();
                break;
            }
        }
    }
    return QStringLiteral("%1, %2 cores, %3")
        .arg(model)
        .arg(QThread::idealThreadCount())
        .arg(QSysInfo::prettyProductName());
}

/// Sets shared_buffers with ALTER SYSTEM; true when it changed (the server must restart).
core::Result<bool> tuneSharedBuffers(const sql::ConnectionParams &params, const QString &size)
{
    static const QRegularExpression sizePattern(QStringLiteral("^[0-9]+(kB|MB|GB)$"));
    if (!sizePattern.match(size).hasMatch())
        return core::makeError(core::ErrorCode::InvalidArgument,
                               QStringLiteral("--shared-buffers: e.g. 8GB"));
    sql::DbConnection conn(params, QStringLiteral("bench-tune"));
    if (auto ok = conn.ensureOpen(); !ok)
        return ok.error();
    auto current =
        conn.exec(QStringLiteral("SELECT current_setting('shared_buffers')"), {}, QStringLiteral("tune"));
    if (!current)
        return current.error();
    current.value()->next();
    if (current.value()->value(0).toString().compare(size, Qt::CaseInsensitive) == 0)
        return false;
    if (auto ok = conn.execScript(QStringLiteral("ALTER SYSTEM SET shared_buffers = '%1'").arg(size),
                                  QStringLiteral("tune"));
        !ok)
        return ok.error();
    out(QStringLiteral("shared_buffers set to %1 (restarting the bench cluster)").arg(size));
    return true;
}

/// Loads the two big tables and their indexes into shared buffers (pg_prewarm), as a server that
/// has been serving this data would hold them.
void prewarm(const sql::ConnectionParams &params)
{
    sql::DbConnection conn(params, QStringLiteral("bench-prewarm"));
    if (!conn.ensureOpen())
        return;
    QElapsedTimer timer;
    timer.start();
    (void)conn.execScript(QStringLiteral("CREATE EXTENSION IF NOT EXISTS pg_prewarm"),
                          QStringLiteral("prewarm"));
    (void)conn.execScript(QStringLiteral("SELECT pg_prewarm(c.oid::regclass) FROM pg_class c "
                                         "WHERE c.relname IN ('conversations', 'messages') OR c.oid IN "
                                         "(SELECT indexrelid FROM pg_index WHERE indrelid IN "
                                         "('conversations'::regclass, 'messages'::regclass))"),
                          QStringLiteral("prewarm"));
    out(QStringLiteral("prewarmed tables and indexes in %1 s").arg(timer.elapsed() / 1000));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Conversation store benchmark"));
    parser.addHelpOption();
    const QCommandLineOption messagesOpt(QStringLiteral("messages"),
                                         QStringLiteral("messages (default 10000000)"), QStringLiteral("n"),
                                         QStringLiteral("10000000"));
    const QCommandLineOption conversationsOpt(QStringLiteral("conversations"),
                                              QStringLiteral("conversations (default 1000000)"),
                                              QStringLiteral("n"), QStringLiteral("1000000"));
    const QCommandLineOption tenantsOpt(QStringLiteral("tenants"), QStringLiteral("tenants (default 1000)"),
                                        QStringLiteral("n"), QStringLiteral("1000"));
    const QCommandLineOption smallOpt(QStringLiteral("small"),
                                      QStringLiteral("100k messages / 10k conversations / 100 tenants"));
    const QCommandLineOption iterationsOpt(QStringLiteral("iterations"),
                                           QStringLiteral("samples per operation (default 2000)"),
                                           QStringLiteral("n"), QStringLiteral("2000"));
    const QCommandLineOption dataDirOpt(
        QStringLiteral("data-dir"),
        QStringLiteral("embedded cluster for the dataset (default build/bench-data)"), QStringLiteral("dir"),
        QStringLiteral("build/bench-data"));
    const QCommandLineOption urlOpt(QStringLiteral("database-url"),
                                    QStringLiteral("use this server instead of an embedded cluster"),
                                    QStringLiteral("url"));
    const QCommandLineOption buffersOpt(
        QStringLiteral("shared-buffers"),
        QStringLiteral("shared_buffers of the embedded bench cluster (default 8GB; "
                       "PostgreSQL's own default is 128MB)"),
        QStringLiteral("size"), QStringLiteral("8GB"));
    const QCommandLineOption noPrewarmOpt(
        QStringLiteral("no-prewarm"),
        QStringLiteral("measure without loading the tables into shared buffers first"));
    const QCommandLineOption regenerateOpt(QStringLiteral("regenerate"),
                                           QStringLiteral("reload the dataset even if present"));
    parser.addOptions({messagesOpt, conversationsOpt, tenantsOpt, smallOpt, iterationsOpt, dataDirOpt, urlOpt,
                       regenerateOpt, buffersOpt, noPrewarmOpt});
    parser.process(app);

    DatasetShape shape;
    shape.messages = parser.value(messagesOpt).toLongLong();
    shape.conversations = parser.value(conversationsOpt).toLongLong();
    shape.tenants = parser.value(tenantsOpt).toInt();
    if (parser.isSet(smallOpt)) {
        shape.messages = 100'000;
        shape.conversations = 10'000;
        shape.tenants = 100;
    }
    const int iterations = std::max(10, parser.value(iterationsOpt).toInt());

    std::unique_ptr<sql::EmbeddedPostgres> embedded;
    sql::ConnectionParams params;
    if (parser.isSet(urlOpt)) {
        auto parsed = sql::parseDatabaseUrl(parser.value(urlOpt));
        if (!parsed) {
            out(parsed.error().toString());
            return 1;
        }
        params = parsed.value();
    } else {
        sql::EmbeddedPostgres::Options options;
        options.dataDir = QFileInfo(parser.value(dataDirOpt)).absoluteFilePath();
        options.fastUnsafe = true; // a throwaway dataset: no fsync while loading
        embedded = std::make_unique<sql::EmbeddedPostgres>(options);
        auto started = embedded->start();
        if (!started) {
            out(started.error().toString());
            return 1;
        }
        params = started.value();
        // A server holding this dataset is sized for it: set shared_buffers (needs a restart).
        auto tuned = tuneSharedBuffers(params, parser.value(buffersOpt));
        if (!tuned) {
            out(tuned.error().toString());
            return 1;
        }
        if (tuned.value()) {
            (void)embedded->stop();
            started = embedded->start();
            if (!started) {
                out(started.error().toString());
                return 1;
            }
            params = started.value();
        }
    }
    if (auto ok = migrate(params); !ok) {
        out(ok.error().toString());
        return 1;
    }
    if (auto ok = ensureDataset(params, shape, parser.isSet(regenerateOpt)); !ok) {
        out(ok.error().toString());
        return 1;
    }

    if (!parser.isSet(noPrewarmOpt))
        prewarm(params);

    // One worker: every call below runs on the same connection, so session settings apply.
    sql::DbExecutor executor(params, 1);
    db::ConversationRepository repo(executor);
    QRandomGenerator rng(7);
    auto randomTenant = [&] { return static_cast<qint64>(rng.bounded(shape.tenants)); };
    auto longConversationOf = [&](qint64 tenant) {
        // Long conversations are multiples of kLongEvery; walk from a random one to one of `tenant`.
        const qint64 longCount =
            (shape.conversations + DatasetShape::kLongEvery - 1) / DatasetShape::kLongEvery;
        qint64 k = static_cast<qint64>(rng.bounded(static_cast<quint32>(longCount)));
        for (qint64 tries = 0; tries < longCount; ++tries, k = (k + 1) % longCount) {
            if ((k * DatasetShape::kLongEvery) % shape.tenants == tenant)
                return k * DatasetShape::kLongEvery;
        }
        return qint64{0};
    };
    auto tenantName = [](qint64 t) { return QStringLiteral("tenant-%1").arg(t); };

    // Warm the cache and the prepared statements the way a running server would be warm.
    out(QStringLiteral("\nwarming up…"));
    for (int i = 0; i < 200; ++i) {
        const qint64 t = randomTenant();
        (void)wait(repo.history(
            tenantName(t), QUuid::fromString(DatasetShape::conversationUuid(longConversationOf(t))), 100));
        core::ConversationQuery q;
        q.tenantId = tenantName(t);
        (void)wait(repo.listConversations(q));
    }

    auto history = measure(iterations, [&](int) {
        const qint64 t = randomTenant();
        const QUuid id = QUuid::fromString(DatasetShape::conversationUuid(longConversationOf(t)));
        auto r = wait(repo.history(tenantName(t), id, 100));
        return r.ok() && r->size() == 100;
    });
    auto firstPage = measure(iterations, [&](int) {
        core::ConversationQuery q;
        q.tenantId = tenantName(randomTenant());
        q.limit = 50;
        auto r = wait(repo.listConversations(q));
        return r.ok() && r->items.size() == 50;
    });
    // Time the cursor page alone: the first page is fetched untimed.
    LatencyStats nextPage;
    for (int i = 0; i < iterations; ++i) {
        core::ConversationQuery q;
        q.tenantId = tenantName(randomTenant());
        q.limit = 50;
        auto first = wait(repo.listConversations(q));
        if (!first.ok() || first->nextCursor.isEmpty())
            break;
        q.cursor = first->nextCursor;
        QElapsedTimer timer;
        timer.start();
        auto second = wait(repo.listConversations(q));
        if (!second.ok())
            break;
        nextPage.samplesUs.append(timer.nsecsElapsed() / 1000);
    }
    auto search = measure(iterations, [&](int i) {
        core::SearchQuery q;
        q.tenantId = tenantName(randomTenant());
        // Words of middling and rare frequency; the most common ones are not what people search.
        q.text = DatasetShape::word(i % 2 == 0 ? 300 : 1500);
        q.limit = 20;
        return wait(repo.search(q)).ok();
    });

    out(QStringLiteral("\nDataset: %1 messages, %2 conversations, %3 tenants. Machine: %4.")
            .arg(shape.messages)
            .arg(shape.conversations)
            .arg(shape.tenants)
            .arg(machine()));
    out(QStringLiteral(
        "Each sample is one repository call through the DbExecutor (thread hop + one round trip).\n"));
    out(LatencyStats::header());
    out(history.row(QStringLiteral("load a 100-message history")));
    out(firstPage.row(QStringLiteral("list a tenant's newest 50 conversations")));
    out(nextPage.row(QStringLiteral("next page by cursor")));
    out(search.row(QStringLiteral("full-text search in a tenant (20 hits)")));

    // EXPLAIN evidence: auto_explain logs each statement's plan; libpq prints such server
    // messages on stderr, which we capture and filter.
    out(QStringLiteral("\nPlans (auto_explain, one call each):"));
    QTemporaryFile capture;
    capture.open();
    const int savedStderr = ::dup(STDERR_FILENO);
    std::fflush(stderr);
    ::dup2(capture.handle(), STDERR_FILENO);
    (void)wait(executor.run<bool>([](sql::DbConnection &conn) -> core::Result<bool> {
        if (auto ok =
                conn.execScript(QStringLiteral("LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; "
                                               "SET auto_explain.log_nested_statements = on; "
                                               "SET client_min_messages = log"),
                                QStringLiteral("auto_explain"));
            !ok)
            return ok.error();
        return true;
    }));
    const qint64 t = randomTenant();
    core::ConversationQuery q;
    q.tenantId = tenantName(t);
    auto page = wait(repo.listConversations(q));
    q.cursor = page.ok() ? page->nextCursor : QString();
    (void)wait(repo.listConversations(q));
    (void)wait(repo.history(tenantName(t),
                            QUuid::fromString(DatasetShape::conversationUuid(longConversationOf(t))), 100));
    core::SearchQuery sq;
    sq.tenantId = tenantName(t);
    sq.text = DatasetShape::word(300);
    (void)wait(repo.search(sq));
    (void)wait(executor.run<bool>([](sql::DbConnection &conn) -> core::Result<bool> {
        (void)conn.execScript(QStringLiteral("SET client_min_messages = warning"), QStringLiteral("reset"));
        return true;
    }));
    std::fflush(stderr);
    ::dup2(savedStderr, STDERR_FILENO);
    ::close(savedStderr);
    capture.seek(0);
    bool seqScan = false;
    for (const QByteArray &line : capture.readAll().split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.contains("Query Text:"))
            out(QStringLiteral("  query: ") +
                QString::fromUtf8(trimmed.mid(trimmed.indexOf(':') + 1).trimmed().left(110)));
        else if (trimmed.contains("Scan") || trimmed.contains("Limit") || trimmed.contains("Sort"))
            out(QStringLiteral("      ") + QString::fromUtf8(trimmed));
        if (trimmed.contains("Seq Scan on messages") || trimmed.contains("Seq Scan on conversations"))
            seqScan = true;
    }
    out(seqScan ? QStringLiteral("WARNING: a sequential scan on a large table was used")
                : QStringLiteral("No sequential scan on conversations or messages."));
    return 0;
}
