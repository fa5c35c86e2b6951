// `aiagency docs` as an operator runs it: the built program against a fresh PostgreSQL database
// with the demo embedding, so indexing happens in the command itself while it waits. Files and
// directories are added (one line per document off a terminal, a refused or failed file never
// stops the others), listed, shown, searched, removed and queued again; a mistake gets a clear
// message and the exit code of the one table, and another tenant's documents are never found.

#include "clirunner.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using test::CliRun;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kOther = QStringLiteral("globex");

const QByteArray kContract = QByteArrayLiteral(
    "# Service agreement\n\n"
    "The supplier delivers the quarterly audit report to the client within thirty days of the end "
    "of each quarter.\n\n"
    "## Termination\n\n"
    "Either party may terminate this agreement with ninety days written notice. Penalties for late "
    "delivery are capped at five percent of the annual fee.\n");

const QByteArray kBrief = QByteArrayLiteral(
    "Project brief\n\nThe marketing campaign launches in spring with a budget of forty thousand "
    "euros, focused on the northern regions.\n");

const QByteArray kMinutes = QByteArrayLiteral(
    "Meeting minutes\n\nThe steering committee approved the new warehouse in Lyon and asked for a "
    "staffing plan by March.\n");

// A PNG signature and a few bytes: refused while indexing, by name.
const QByteArray kPng = QByteArrayLiteral("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01");

/// "ID  PATH  STATUS…" lines: the status after the path, by the path's file name.
QHash<QString, QString> statusByFile(const QString &out, QHash<QString, QString> *ids = nullptr)
{
    static const QRegularExpression line(QStringLiteral("^([0-9a-f-]{36})  (\\S+)  (.+)$"),
                                         QRegularExpression::MultilineOption);
    QHash<QString, QString> statuses;
    auto it = line.globalMatch(out);
    while (it.hasNext()) {
        const auto match = it.next();
        const QString file = QFileInfo(match.captured(2)).fileName();
        statuses.insert(file, match.captured(3));
        if (ids)
            ids->insert(file, match.captured(1));
    }
    return statuses;
}

} // namespace

class TestDocsCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void addDirectoryIndexesEachFileAndReportsTheFailures();
    void noWaitOnlyQueues();
    void showSearchRemove();
    void reindexQueuesTheTenantsDocuments();
    void badInputIsRefusedClearly_data();
    void badInputIsRefusedClearly();
    void anotherTenantsDocumentIsNotFound();

private:
    CliRun docs(const QStringList &args) const;
    /// Writes `bytes` to `relative` under this test's files directory; its path.
    QString write(const QString &relative, const QByteArray &bytes) const;
    /// Adds `paths` for the tenant and waits; the id of each file by name (fails the test if an
    /// added file has no line).
    QHash<QString, QString> addReady(const QString &tenant, const QStringList &paths);

    test::CliDatabase m_db;
    QTemporaryDir m_home;
    QString m_work;
    QString m_files;
};

void TestDocsCli::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY(m_home.isValid());
    // The embedded cluster runs as postgres and must reach its directories.
    QFile::setPermissions(m_home.path(), QFileDevice::ReadOwner | QFileDevice::WriteOwner |
                                             QFileDevice::ExeOwner | QFileDevice::ReadOther |
                                             QFileDevice::ExeOther);
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
}

void TestDocsCli::init()
{
    static int serial = 0;
    m_work = m_home.filePath(QStringLiteral("work-%1").arg(++serial));
    m_files = m_work + QStringLiteral("/files");
    QVERIFY(QDir().mkpath(m_files));
}

void TestDocsCli::cleanupTestCase()
{
    m_db.stop();
}

CliRun TestDocsCli::docs(const QStringList &args) const
{
    // The indexes under this test's home, never the developer's data directory.
    return test::CliRunner(QStringLiteral(AGENCY_CLI), m_work,
                           {QStringLiteral("--database-url"), m_db.url(), QStringLiteral("--data-dir"),
                            m_home.filePath(QStringLiteral("data"))})
        .run(QStringList{QStringLiteral("docs")} + args, {}, 90000);
}

QString TestDocsCli::write(const QString &relative, const QByteArray &bytes) const
{
    const QString path = m_files + u'/' + relative;
    QDir().mkpath(QFileInfo(path).path());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        QTest::qFail(qPrintable(QStringLiteral("cannot write ") + path), __FILE__, __LINE__);
    return path;
}

QHash<QString, QString> TestDocsCli::addReady(const QString &tenant, const QStringList &paths)
{
    const CliRun add = docs(QStringList{QStringLiteral("add"), QStringLiteral("--tenant"), tenant} + paths);
    QHash<QString, QString> ids;
    const auto statuses = statusByFile(add.out, &ids);
    if (add.exitCode != 0 || statuses.size() != paths.size())
        QTest::qFail(qPrintable(add.all()), __FILE__, __LINE__);
    for (auto it = statuses.cbegin(); it != statuses.cend(); ++it)
        if (it.value() != QLatin1String("ready"))
            QTest::qFail(qPrintable(add.all()), __FILE__, __LINE__);
    return ids;
}

void TestDocsCli::addDirectoryIndexesEachFileAndReportsTheFailures()
{
    write(QStringLiteral("client/contract.md"), kContract);
    write(QStringLiteral("client/notes/brief.txt"), kBrief);
    write(QStringLiteral("client/notes/deep/minutes.txt"), kMinutes);
    write(QStringLiteral("client/notes/empty.txt"), {});
    write(QStringLiteral("client/scan.png"), kPng);
    const QString single = write(QStringLiteral("loose/contract-copy.md"), kContract);

    const CliRun add =
        docs({QStringLiteral("add"), QStringLiteral("--tenant"), kTenant, m_files + QStringLiteral("/client"),
              single, m_files + QStringLiteral("/nowhere")});
    QVERIFY2(!add.crashed, qPrintable(add.all()));
    // One refused, one failed, one missing: exit 1, and every other file is indexed anyway.
    QVERIFY2(add.exitCode == 1, qPrintable(add.all()));
    QHash<QString, QString> ids;
    const auto statuses = statusByFile(add.out, &ids);
    QCOMPARE(add.out.count(u'\n'), 5); // one line per document, nothing else (not a terminal)
    QCOMPARE(statuses.value(QStringLiteral("contract.md")), QStringLiteral("ready"));
    QCOMPARE(statuses.value(QStringLiteral("brief.txt")), QStringLiteral("ready"));
    QCOMPARE(statuses.value(QStringLiteral("minutes.txt")), QStringLiteral("ready"));
    QVERIFY2(statuses.value(QStringLiteral("scan.png")).startsWith(QStringLiteral("failed: ")) &&
                 statuses.value(QStringLiteral("scan.png")).contains(QStringLiteral("PNG image")),
             qPrintable(add.out));
    // The same bytes again in the same collection: the same document, said so.
    QCOMPARE(statuses.value(QStringLiteral("contract-copy.md")), QStringLiteral("ready (already there)"));
    QCOMPARE(ids.value(QStringLiteral("contract-copy.md")), ids.value(QStringLiteral("contract.md")));
    QVERIFY2(!statuses.contains(QStringLiteral("empty.txt")), qPrintable(add.out));
    QVERIFY2(add.err.contains(QStringLiteral("empty.txt: file: is empty")), qPrintable(add.err));
    QVERIFY2(add.err.contains(QStringLiteral("nowhere: no such file or directory")), qPrintable(add.err));

    const CliRun list = docs({QStringLiteral("list"), QStringLiteral("--tenant"), kTenant});
    QVERIFY2(list.exitCode == 0, qPrintable(list.all()));
    QCOMPARE(list.out.count(u'\n'), 1 + 4); // the heading and four documents
    for (const QString &file :
         {QStringLiteral("contract.md"), QStringLiteral("brief.txt"), QStringLiteral("minutes.txt")})
        QVERIFY2(QRegularExpression(ids.value(file) + QStringLiteral("  default +ready +\\S"))
                     .match(list.out)
                     .hasMatch(),
                 qPrintable(list.out));
    QVERIFY2(QRegularExpression(ids.value(QStringLiteral("scan.png")) + QStringLiteral("  default +failed "))
                 .match(list.out)
                 .hasMatch(),
             qPrintable(list.out));
}

void TestDocsCli::noWaitOnlyQueues()
{
    const QString tenant = QStringLiteral("queued-co");
    const QString path = write(QStringLiteral("brief.txt"), kBrief);
    const CliRun add =
        docs({QStringLiteral("add"), QStringLiteral("--tenant"), tenant, QStringLiteral("--no-wait"),
              QStringLiteral("--collection"), QStringLiteral("briefs"), path});
    QVERIFY2(add.exitCode == 0, qPrintable(add.all()));
    QHash<QString, QString> ids;
    QCOMPARE(statusByFile(add.out, &ids).value(QStringLiteral("brief.txt")), QStringLiteral("queued"));
    QCOMPARE(add.out.count(u'\n'), 1);

    // Nobody indexes it: it stays queued, in its collection.
    const CliRun show = docs(
        {QStringLiteral("show"), QStringLiteral("--tenant"), tenant, ids.value(QStringLiteral("brief.txt"))});
    QVERIFY2(show.exitCode == 0, qPrintable(show.all()));
    QVERIFY2(show.out.contains(QStringLiteral("status:      queued 0%")), qPrintable(show.out));
    QVERIFY2(show.out.contains(QStringLiteral("collection:  briefs")), qPrintable(show.out));
    const CliRun other = docs({QStringLiteral("list"), QStringLiteral("--tenant"), tenant,
                               QStringLiteral("--collection"), QStringLiteral("default")});
    QVERIFY2(other.exitCode == 0, qPrintable(other.all()));
    QCOMPARE(other.out.count(u'\n'), 1); // the heading only

    // A search says that a document is still being indexed.
    const CliRun search = docs(
        {QStringLiteral("search"), QStringLiteral("--tenant"), tenant, QStringLiteral("marketing budget")});
    QVERIFY2(search.exitCode == 0, qPrintable(search.all()));
    QVERIFY2(search.out.contains(QStringLiteral("1 document is still being indexed")),
             qPrintable(search.out));

    // Adding the same file again and waiting: the same document, indexed by this command.
    const CliRun wait = docs({QStringLiteral("add"), QStringLiteral("--tenant"), tenant,
                              QStringLiteral("--collection"), QStringLiteral("briefs"), path});
    QVERIFY2(wait.exitCode == 0, qPrintable(wait.all()));
    QHash<QString, QString> again;
    QCOMPARE(statusByFile(wait.out, &again).value(QStringLiteral("brief.txt")),
             QStringLiteral("ready (already there)"));
    QCOMPARE(again.value(QStringLiteral("brief.txt")), ids.value(QStringLiteral("brief.txt")));
}

void TestDocsCli::showSearchRemove()
{
    const QString tenant = QStringLiteral("search-co");
    const auto ids = addReady(tenant, {write(QStringLiteral("contract.md"), kContract),
                                       write(QStringLiteral("brief.txt"), kBrief),
                                       write(QStringLiteral("minutes.txt"), kMinutes)});
    const QString contract = ids.value(QStringLiteral("contract.md"));
    QVERIFY(!contract.isEmpty());

    const CliRun show = docs({QStringLiteral("show"), QStringLiteral("--tenant"), tenant, contract});
    QVERIFY2(show.exitCode == 0, qPrintable(show.all()));
    for (const QString &expected :
         QStringList{QStringLiteral("document:    ") + contract, QStringLiteral("file:        contract.md"),
                     QStringLiteral("status:      ready"), QStringLiteral("model:       demo/demo-embedding"),
                     QStringLiteral("size:        %1 bytes").arg(kContract.size())})
        QVERIFY2(show.out.contains(expected), qPrintable(expected + QStringLiteral("\n") + show.out));
    QVERIFY2(QRegularExpression(QStringLiteral("chunks: +[1-9]")).match(show.out).hasMatch(),
             qPrintable(show.out));

    // By the exact words and by a paraphrase, the termination clause comes first.
    for (const QString &query :
         {QStringLiteral("ninety days written notice"), QStringLiteral("terminating the contract")}) {
        const CliRun search = docs({QStringLiteral("search"), QStringLiteral("--tenant"), tenant,
                                    QStringLiteral("-k"), QStringLiteral("2"), query});
        QVERIFY2(search.exitCode == 0, qPrintable(search.all()));
        const auto first =
            QRegularExpression(QStringLiteral("^\\[1\\] .*document ([0-9a-f-]{36}), chunk \\d+\\)\n"
                                              "    (.*)\n"))
                .match(search.out);
        QVERIFY2(first.hasMatch(), qPrintable(search.out));
        QCOMPARE(first.captured(1), contract);
        QVERIFY2(first.captured(2).contains(QStringLiteral("terminate this agreement")),
                 qPrintable(search.out));
        QVERIFY2(!search.out.contains(QStringLiteral("[3]")), qPrintable(search.out)); // -k 2
        QVERIFY2(!search.out.contains(QStringLiteral("still being indexed")), qPrintable(search.out));
    }

    const CliRun rm = docs({QStringLiteral("rm"), QStringLiteral("--tenant"), tenant, contract});
    QVERIFY2(rm.exitCode == 0, qPrintable(rm.all()));
    QCOMPARE(rm.out, QStringLiteral("deleted %1\n").arg(contract));
    const CliRun gone = docs({QStringLiteral("show"), QStringLiteral("--tenant"), tenant, contract});
    QVERIFY2(gone.exitCode == 3 && !gone.crashed, qPrintable(gone.all()));
    QVERIFY2(gone.err.contains(QStringLiteral("not found")), qPrintable(gone.err));
    const CliRun again = docs({QStringLiteral("rm"), QStringLiteral("--tenant"), tenant, contract});
    QVERIFY2(again.exitCode == 3, qPrintable(again.all()));
    const CliRun list = docs({QStringLiteral("list"), QStringLiteral("--tenant"), tenant});
    QVERIFY2(!list.out.contains(contract), qPrintable(list.out));
    QCOMPARE(list.out.count(u'\n'), 1 + 2);
    // Its passages went with it.
    const CliRun search = docs({QStringLiteral("search"), QStringLiteral("--tenant"), tenant,
                                QStringLiteral("ninety days written notice")});
    QVERIFY2(search.exitCode == 0, qPrintable(search.all()));
    QVERIFY2(!search.out.contains(contract), qPrintable(search.out));
}

void TestDocsCli::reindexQueuesTheTenantsDocuments()
{
    const QString tenant = QStringLiteral("reindex-co");
    const auto ids = addReady(tenant, {write(QStringLiteral("contract.md"), kContract),
                                       write(QStringLiteral("brief.txt"), kBrief)});
    // Another tenant's documents are not touched.
    const auto others = addReady(kOther, {write(QStringLiteral("other/minutes.txt"), kMinutes)});

    const CliRun reindex = docs({QStringLiteral("reindex"), QStringLiteral("--tenant"), tenant});
    QVERIFY2(reindex.exitCode == 0, qPrintable(reindex.all()));
    QCOMPARE(reindex.out, QStringLiteral("2 documents queued for indexing\n"));
    for (const QString &id : ids) {
        const CliRun show = docs({QStringLiteral("show"), QStringLiteral("--tenant"), tenant, id});
        QVERIFY2(show.out.contains(QStringLiteral("status:      queued")), qPrintable(show.out));
    }
    const CliRun other = docs({QStringLiteral("show"), QStringLiteral("--tenant"), kOther,
                               others.value(QStringLiteral("minutes.txt"))});
    QVERIFY2(other.out.contains(QStringLiteral("status:      ready")), qPrintable(other.out));
    const CliRun none = docs({QStringLiteral("reindex"), QStringLiteral("--tenant"), tenant,
                              QStringLiteral("--collection"), QStringLiteral("empty")});
    QVERIFY2(none.exitCode == 0, qPrintable(none.all()));
    QCOMPARE(none.out, QStringLiteral("0 documents queued for indexing\n"));
}

void TestDocsCli::badInputIsRefusedClearly_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("message");
    const QString unknown = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString tenant = QStringLiteral("--tenant");
    QTest::newRow("add without tenant") << QStringList{QStringLiteral("add"), QStringLiteral("x.txt")} << 2
                                        << QStringLiteral("expected `add --tenant T FILE|DIR…`");
    QTest::newRow("list without tenant")
        << QStringList{QStringLiteral("list")} << 2 << QStringLiteral("`list --tenant T`");
    QTest::newRow("show without id") << QStringList{QStringLiteral("show"), tenant, kTenant} << 2
                                     << QStringLiteral("`show --tenant T ID`");
    QTest::newRow("unknown action") << QStringList{QStringLiteral("frobnicate"), tenant, kTenant} << 2
                                    << QStringLiteral("aiagency docs: expected");
    QTest::newRow("k out of range")
        << QStringList{QStringLiteral("search"), tenant, kTenant, QStringLiteral("-k"), QStringLiteral("50"),
                       QStringLiteral("fees")}
        << 2 << QStringLiteral("-k expects a whole number from 1 to 20");
    QTest::newRow("show unknown id") << QStringList{QStringLiteral("show"), tenant, kTenant, unknown} << 3
                                     << QStringLiteral("not found");
    QTest::newRow("rm unknown id") << QStringList{QStringLiteral("rm"), tenant, kTenant, unknown} << 3
                                   << QStringLiteral("not found");
    QTest::newRow("show malformed id")
        << QStringList{QStringLiteral("show"), tenant, kTenant, QStringLiteral("contract.md")} << 2
        << QStringLiteral("document_id: must be a UUID");
    QTest::newRow("bad tenant id") << QStringList{QStringLiteral("list"), tenant,
                                                  QStringLiteral("no spaces allowed")}
                                   << 2 << QStringLiteral("tenant");
    QTest::newRow("empty query") << QStringList{QStringLiteral("search"), tenant, kTenant,
                                                QStringLiteral(" ")}
                                 << 2 << QStringLiteral("query");
    QTest::newRow("only missing files")
        << QStringList{QStringLiteral("add"), tenant, kTenant, QStringLiteral("/nonexistent/a.txt")} << 2
        << QStringLiteral("/nonexistent/a.txt: no such file or directory");
}

void TestDocsCli::badInputIsRefusedClearly()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QString, message);
    const CliRun r = docs(args);
    QVERIFY2(!r.crashed && r.exitCode == exitCode, qPrintable(r.all()));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
}

void TestDocsCli::anotherTenantsDocumentIsNotFound()
{
    const auto ids = addReady(kTenant, {write(QStringLiteral("secret.md"),
                                              QByteArrayLiteral("# Secret\n\nThe acquisition of Initech "
                                                                "closes on the first of June.\n"))});
    const QString secret = ids.value(QStringLiteral("secret.md"));
    QVERIFY(!secret.isEmpty());
    for (const QString &action : {QStringLiteral("show"), QStringLiteral("rm")}) {
        const CliRun r = docs({action, QStringLiteral("--tenant"), kOther, secret});
        QVERIFY2(r.exitCode == 3 && !r.crashed, qPrintable(r.all()));
        QVERIFY2(r.err.contains(QStringLiteral("not found")), qPrintable(r.err));
    }
    const CliRun search = docs({QStringLiteral("search"), QStringLiteral("--tenant"), kOther,
                                QStringLiteral("acquisition of Initech")});
    QVERIFY2(search.exitCode == 0, qPrintable(search.all()));
    QVERIFY2(!search.out.contains(secret) && !search.out.contains(QStringLiteral("Initech")),
             qPrintable(search.out));
    const CliRun list = docs({QStringLiteral("list"), QStringLiteral("--tenant"), kOther});
    QVERIFY2(!list.out.contains(secret), qPrintable(list.out));
    // Still there for its own tenant after the other's `rm`.
    const CliRun show = docs({QStringLiteral("show"), QStringLiteral("--tenant"), kTenant, secret});
    QVERIFY2(show.exitCode == 0, qPrintable(show.all()));
}

QTEST_GUILESS_MAIN(TestDocsCli)
#include "test_docscli.moc"
