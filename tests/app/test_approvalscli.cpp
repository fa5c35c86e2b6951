// `aiagency approvals list|show|approve|reject` as users run it, against a fresh database: direct
// calls waiting for approval (as `tools call` stores them), decided from the command line, a second
// decision refused (exit 4), another tenant's approval not found (exit 3), decisions audited; and
// the question `chat --interactive` asks before a write (the demo provider drives the Slack flow
// against a fake Slack): "n" sends nothing, "y" sends it, and the agent's answer goes on.

#include "clirunner.h"
#include "db/approvalrepository.h"
#include "db/auditrepository.h"
#include "fakeslack.h"
#include "fakeweatherserver.h"
#include "futurewait.h"
#include "sql/dbconnection.h"

#include <QDir>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using test::CliRun;

class TestApprovalsCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void listRejectApproveAndConflicts();
    void decisionReturnsOnlyOnceAudited();
    void usageErrors();
    void chatInteractiveAsksBeforeAWrite();

private:
    test::CliRunner runner() const;
    CliRun aiagency(const QStringList &args) const;
    QString pending(const QString &tenant, const QString &location);
    /// The audited actions of `actor` in `tenant`, newest first.
    QStringList auditActions(const QString &tenant, const QString &actor);

    test::CliDatabase m_db;
    test::FakeWeatherServer m_weather;
    QTemporaryDir m_home;
};

void TestApprovalsCli::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
    QVERIFY(m_home.isValid());
}

void TestApprovalsCli::cleanupTestCase()
{
    m_db.stop();
}

test::CliRunner TestApprovalsCli::runner() const
{
    const QString origin = m_weather.baseUrl().toString();
    return test::CliRunner(
        QStringLiteral(AGENCY_CLI), m_home.path(),
        {QStringLiteral("--database-url"), m_db.url(), QStringLiteral("--set"),
         QStringLiteral("OPEN_METEO_BASE_URL=") + origin + QStringLiteral("/meteo/v1"),
         QStringLiteral("--set"),
         QStringLiteral("OPEN_METEO_GEOCODING_URL=") + origin + QStringLiteral("/geo/v1")});
}

CliRun TestApprovalsCli::aiagency(const QStringList &args) const
{
    return runner().run(QStringList{QStringLiteral("approvals")} + args);
}

QString TestApprovalsCli::pending(const QString &tenant, const QString &location)
{
    db::ApprovalRepository approvals(m_db.executor());
    db::NewApproval approval;
    approval.tenantId = tenant;
    approval.toolName = QStringLiteral("get_weather");
    approval.arguments = {{QStringLiteral("location"), location},
                          {QStringLiteral("units"), QStringLiteral("metric")}};
    auto created = test::await(approvals.create({approval}));
    if (!created) {
        QTest::qFail(qPrintable(created.error().toString()), __FILE__, __LINE__);
        return {};
    }
    return created->first().approvalId.toString(QUuid::WithoutBraces);
}

QStringList TestApprovalsCli::auditActions(const QString &tenant, const QString &actor)
{
    db::AuditRepository audit(m_db.executor());
    auto entries = test::await(audit.list({tenant, 50, {}}));
    if (!entries) {
        QTest::qFail(qPrintable(entries.error().toString()), __FILE__, __LINE__);
        return {};
    }
    QStringList actions;
    for (const core::AuditEntry &e : entries->items) {
        if (e.actorName == actor)
            actions.append(e.action);
    }
    return actions;
}

void TestApprovalsCli::listRejectApproveAndConflicts()
{
    const QString first = pending(QStringLiteral("acme"), QStringLiteral("Paris"));
    const QString second = pending(QStringLiteral("acme"), QStringLiteral("Berlin"));
    QVERIFY(!first.isEmpty() && !second.isEmpty());

    CliRun list = aiagency({QStringLiteral("list"), QStringLiteral("--tenant"), QStringLiteral("acme"),
                            QStringLiteral("--status"), QStringLiteral("pending")});
    QCOMPARE(list.exitCode, 0);
    QVERIFY2(list.out.contains(first) && list.out.contains(second), qPrintable(list.all()));
    QVERIFY(list.out.contains(QStringLiteral("\"location\":\"Paris\"")));

    CliRun rejected = aiagency({QStringLiteral("reject"), QStringLiteral("--tenant"), QStringLiteral("acme"),
                                first, QStringLiteral("--reason"), QStringLiteral("not now")});
    QVERIFY2(rejected.exitCode == 0, qPrintable(rejected.all()));
    QVERIFY(rejected.out.contains(QRegularExpression(QStringLiteral("status: +rejected"))));
    QVERIFY(rejected.out.contains(QRegularExpression(QStringLiteral("reason: +not now"))));
    QVERIFY(!rejected.out.contains(QStringLiteral("result:")));

    CliRun again =
        aiagency({QStringLiteral("approve"), QStringLiteral("--tenant"), QStringLiteral("acme"), first});
    QCOMPARE(again.exitCode, 4);
    QVERIFY2(again.err.contains(QStringLiteral("already rejected")), qPrintable(again.all()));

    CliRun other =
        aiagency({QStringLiteral("show"), QStringLiteral("--tenant"), QStringLiteral("globex"), second});
    QCOMPARE(other.exitCode, 3);

    const qsizetype weatherCallsBefore = m_weather.requests().size();
    CliRun approved =
        aiagency({QStringLiteral("approve"), QStringLiteral("--tenant"), QStringLiteral("acme"), second});
    QVERIFY2(approved.exitCode == 0, qPrintable(approved.all()));
    QVERIFY(approved.out.contains(QRegularExpression(QStringLiteral("status: +approved"))));
    QVERIFY2(approved.out.contains(QStringLiteral("result:")) &&
                 approved.out.contains(QStringLiteral("Berlin")),
             qPrintable(approved.all()));
    QVERIFY(m_weather.requests().size() > weatherCallsBefore);

    QCOMPARE(auditActions(QStringLiteral("acme"), QStringLiteral("cli")),
             (QStringList{QStringLiteral("approval.approve"), QStringLiteral("approval.reject")}));
}

void TestApprovalsCli::decisionReturnsOnlyOnceAudited()
{
    const QString id = pending(QStringLiteral("audited"), QStringLiteral("Rome"));
    QVERIFY(!id.isEmpty());
    // The program analyses a table without planner statistics when it starts, which the lock
    // below would hold up: give the audit log its statistics first.
    db::AuditRepository audit(m_db.executor());
    core::AuditEntry earlier;
    earlier.actorName = QStringLiteral("test");
    earlier.action = QStringLiteral("test.setup");
    earlier.tenantId = QStringLiteral("elsewhere");
    QVERIFY(test::await(audit.record(earlier)));
    QVERIFY(test::await(m_db.executor().run<void>([](sql::DbConnection &conn) {
        return conn.execScript(QStringLiteral("ANALYZE audit_log"), QStringLiteral("analyse"));
    })));
    // Hold the audit log so the entry cannot be written yet: the command must wait for it rather
    // than exit with the entry still queued (then lost when the program stops).
    sql::DbConnection holder(m_db.executor().params(), QStringLiteral("audit-holder"));
    QVERIFY(holder.ensureOpen());
    QVERIFY(holder.begin());
    QVERIFY(holder.execScript(QStringLiteral("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"),
                              QStringLiteral("hold the audit log")));
    QProcess process;
    QVERIFY(runner().start(process, {QStringLiteral("approvals"), QStringLiteral("reject"),
                                     QStringLiteral("--tenant"), QStringLiteral("audited"), id,
                                     QStringLiteral("--reason"), QStringLiteral("later")}));
    // Nothing is answered while the entry waits (the answer used to come at once, with the
    // entry still to be written and lost if the program stopped before its turn).
    QTest::qWait(2000);
    QCOMPARE(process.state(), QProcess::Running);
    process.setReadChannel(QProcess::StandardOutput);
    QCOMPARE(process.bytesAvailable(), qint64(0));
    QVERIFY(holder.commit());
    const test::CliRun rejected = test::CliRunner::finish(process);
    QVERIFY2(rejected.exitCode == 0, qPrintable(rejected.all()));
    QCOMPARE(auditActions(QStringLiteral("audited"), QStringLiteral("cli")),
             QStringList{QStringLiteral("approval.reject")});
}

void TestApprovalsCli::usageErrors()
{
    QCOMPARE(aiagency({QStringLiteral("list")}).exitCode, 2); // no --tenant
    QCOMPARE(
        aiagency({QStringLiteral("approve"), QStringLiteral("--tenant"), QStringLiteral("acme")}).exitCode,
        2);
    QCOMPARE(aiagency({QStringLiteral("approve"), QStringLiteral("--tenant"), QStringLiteral("acme"),
                       QStringLiteral("--reason"), QStringLiteral("x"), QUuid::createUuid().toString()})
                 .exitCode,
             2);
    CliRun bad = aiagency({QStringLiteral("show"), QStringLiteral("--tenant"), QStringLiteral("acme"),
                           QStringLiteral("not-an-id")});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.err.contains(QStringLiteral("approval_id")));
}

namespace {

/// Reads what the process printed so far (stdout into `out`, stderr into `err`); true once `out`
/// contains `text` from position `from` on.
bool printed(QProcess &process, QString &out, QString &err, const QString &text, qsizetype from)
{
    out += QString::fromUtf8(process.readAllStandardOutput());
    err += QString::fromUtf8(process.readAllStandardError());
    return out.indexOf(text, from) >= 0;
}

} // namespace

void TestApprovalsCli::chatInteractiveAsksBeforeAWrite()
{
    const QByteArray token = "xoxb-chat-approval-7d1c";
    test::FakeSlack slack(token);
    QVERIFY(slack.listen());
    const QStringList global{QStringLiteral("--database-url"),
                             m_db.url(),
                             QStringLiteral("--set"),
                             QStringLiteral("SECRETS_KEY_FILE=") +
                                 m_home.filePath(QStringLiteral("secrets.key")),
                             QStringLiteral("--set"),
                             QStringLiteral("SLACK_API_BASE_URL=") + slack.baseUrl()};
    const test::CliRunner cli(QStringLiteral(AGENCY_CLI), m_home.path(), global);
    QCOMPARE(cli.run({QStringLiteral("tenants"), QStringLiteral("set"), QStringLiteral("slackco"),
                      QStringLiteral("name=Slack Co")})
                 .exitCode,
             0);
    const CliRun secret = cli.run({QStringLiteral("tenants"), QStringLiteral("secret"), QStringLiteral("set"),
                                   QStringLiteral("slackco"), QStringLiteral("slack_bot_token")},
                                  token + '\n');
    QVERIFY2(secret.exitCode == 0, qPrintable(secret.all()));

    QProcess process;
    QVERIFY(cli.start(process,
                      {QStringLiteral("chat"), QStringLiteral("--tenant"), QStringLiteral("slackco"),
                       QStringLiteral("--flow"), QStringLiteral("slack"), QStringLiteral("--interactive")}));
    QString out;
    QString err;
    qsizetype mark = 0; // where the output after the latest line typed starts
    const auto waitFor = [&](const QString &text) {
        return QTest::qWaitFor([&] { return printed(process, out, err, text, mark); }, 30000);
    };
    const auto type = [&](const QByteArray &line) {
        mark = out.size();
        process.write(line);
    };
    // Each line is typed once the prompt asks for it: lines arriving together are one message.
    QVERIFY2(waitFor(QStringLiteral("you> ")), qPrintable(out + err));
    // Declined: exactly what would be sent is shown first, and nothing reaches Slack.
    type("post \"Lunch is here\" to C0123ABCD\n");
    QVERIFY2(waitFor(QStringLiteral("approve? [y/N] ")), qPrintable(out + err));
    QVERIFY2(out.mid(mark).contains(QStringLiteral("slack_post_message")) &&
                 out.mid(mark).contains(QStringLiteral("Lunch is here")),
             qPrintable(out));
    type("n\n");
    QVERIFY2(waitFor(QStringLiteral("\nyou> ")), qPrintable(out + err));
    QVERIFY(slack.posts().isEmpty());

    // Approved: sent once, and the agent answers from the result.
    type("post \"Deploy is done\" to C0123ABCD\n");
    QVERIFY2(waitFor(QStringLiteral("approve? [y/N] ")), qPrintable(out + err));
    type("y\n");
    QVERIFY2(waitFor(QStringLiteral("Posted to C0123ABCD")), qPrintable(out + err));
    QVERIFY2(waitFor(QStringLiteral("\nyou> ")), qPrintable(out + err));
    process.closeWriteChannel();
    CliRun r = test::CliRunner::finish(process);
    r.out.prepend(out);
    r.err.prepend(err);
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    QVERIFY2(r.err.contains(QStringLiteral("rejected: nothing was sent")) &&
                 r.err.contains(QStringLiteral("approved")),
             qPrintable(r.all()));
    QCOMPARE(slack.posts().size(), 1);
    QCOMPARE(slack.posts().at(0).value(QStringLiteral("text")).toString(), QStringLiteral("Deploy is done"));
    QCOMPARE(slack.posts().at(0).value(QStringLiteral("channel")).toString(), QStringLiteral("C0123ABCD"));

    // Both decisions are stored and audited as made in the chat.
    db::ApprovalRepository approvals(m_db.executor());
    core::ApprovalQuery query;
    query.tenantId = QStringLiteral("slackco");
    auto decided = test::await(approvals.list(query));
    AGENCY_VERIFY_OK(decided);
    QStringList statuses;
    for (const core::ToolApproval &a : decided.value())
        statuses.append(core::approvalStatusName(a.status));
    statuses.sort();
    QCOMPARE(statuses, (QStringList{QStringLiteral("approved"), QStringLiteral("rejected")}));
    // Newest first: the approval came after the rejection.
    QCOMPARE(auditActions(QStringLiteral("slackco"), QStringLiteral("cli chat")),
             (QStringList{QStringLiteral("approval.approve"), QStringLiteral("approval.reject")}));
}

QTEST_GUILESS_MAIN(TestApprovalsCli)
#include "test_approvalscli.moc"
