// `aiagency tenants` and `aiagency runs` as an operator runs them: the built program against a
// fresh PostgreSQL database, everything through AgencyService. Tenant settings are validated as
// the service validates them (nothing is written on a mistake), the tenant's provider is the one
// a chat uses, and runs are queued, listed, shown and cancelled (no worker runs in these
// one-shot commands, so a queued run stays queued). Exit codes follow the one table.

#include "clirunner.h"
#include "db/tenantrepository.h"
#include "sql/dbexecutor.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using test::CliRun;

class TestAdminCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void tenantsSetShowList();
    void tenantsSetIsValidatedLikeTheService_data();
    void tenantsSetIsValidatedLikeTheService();
    void tenantsShowUnknownIsNotFound();
    void tenantsSecretSetListDelete();
    void tenantProviderAnswersTheChat();
    void tenantsUsageShowsCostAndBudgetRefusesTheChat();
    void runsCreateListShowCancel();
    void runsErrorsFollowTheExitCodeTable();
    void runsCreateChecksTheTenantsProvider();
    void serveTakesLocalhostAndPrintsIpv6Urls_data();
    void serveTakesLocalhostAndPrintsIpv6Urls();
    void serveRefusesNoAuthOffLoopbackAndExits();
    void serveAccessLogIsWrittenSoonAndCompleteAtExit();
    void serveWithoutKeysSaysHowToCreateOne();

private:
    CliRun aiagency(const QStringList &args, const QStringList &global = {}) const;
    /// Starts `aiagency serve --port 0 <extra>` and waits until it says where it listens: the URL
    /// in `listening`. False (with the output logged) when it does not within 30 s.
    /// `startErr`: what it printed on stderr until then.
    bool startServe(QProcess &process, const QStringList &extra, QString *listening,
                    QString *startErr = nullptr) const;
    QJsonObject storedSettings(const QString &tenant);

    test::CliDatabase m_db;
    std::unique_ptr<db::TenantRepository> m_tenants;
    QTemporaryDir m_home;
    QString m_work;
};

void TestAdminCli::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    m_tenants = std::make_unique<db::TenantRepository>(m_db.executor());
    QVERIFY(m_home.isValid());
}

void TestAdminCli::init()
{
    static int serial = 0;
    m_work = m_home.filePath(QStringLiteral("work-%1").arg(++serial));
    QVERIFY(QDir().mkpath(m_work));
}

void TestAdminCli::cleanupTestCase()
{
    m_tenants.reset();
    m_db.stop();
}

CliRun TestAdminCli::aiagency(const QStringList &args, const QStringList &global) const
{
    return test::CliRunner(QStringLiteral(AGENCY_CLI), m_work,
                           QStringList{QStringLiteral("--database-url"), m_db.url()} + global)
        .run(args);
}

bool TestAdminCli::startServe(QProcess &process, const QStringList &extra, QString *listening,
                              QString *startErr) const
{
    if (!test::CliRunner(QStringLiteral(AGENCY_CLI), m_work, {QStringLiteral("--database-url"), m_db.url()})
             .start(process,
                    QStringList{QStringLiteral("serve"), QStringLiteral("--port"), QStringLiteral("0")} +
                        extra))
        return false;
    static const QRegularExpression where(QStringLiteral("listening on (\\S+) "));
    QString err;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 30000 && process.state() == QProcess::Running) {
        process.waitForReadyRead(200);
        err += QString::fromUtf8(process.readAllStandardError());
        const auto match = where.match(err);
        if (match.hasMatch()) {
            *listening = match.captured(1);
            if (startErr)
                *startErr = err;
            return true;
        }
    }
    qWarning().noquote() << "serve did not start:" << err;
    return false;
}

void TestAdminCli::tenantsSecretSetListDelete()
{
    const QString keyFile = m_work + QStringLiteral("/keys/secrets.key");
    const QStringList key{QStringLiteral("--set"), QStringLiteral("SECRETS_KEY_FILE=") + keyFile};
    const QByteArray value = "xoxb-cli-secret-value-42";
    QCOMPARE(aiagency({QStringLiteral("tenants"), QStringLiteral("set"), QStringLiteral("vault"),
                       QStringLiteral("name=Vault")})
                 .exitCode,
             0);
    const auto cli = [&](const QStringList &args, const QByteArray &input = {}) {
        return test::CliRunner(QStringLiteral(AGENCY_CLI), m_work,
                               QStringList{QStringLiteral("--database-url"), m_db.url()} + key)
            .run(QStringList{QStringLiteral("tenants"), QStringLiteral("secret")} + args, input);
    };
    // The value comes from stdin; the first set creates the key file, owner-only.
    const CliRun set = cli(
        {QStringLiteral("set"), QStringLiteral("vault"), QStringLiteral("slack_bot_token")}, value + '\n');
    QVERIFY2(set.exitCode == 0, qPrintable(set.all()));
    QVERIFY(!set.all().contains(QString::fromLatin1(value)));
    QVERIFY(QFile::exists(keyFile));
    QCOMPARE(QFile::permissions(keyFile) & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
             QFileDevice::Permissions());
    const CliRun list = cli({QStringLiteral("list"), QStringLiteral("vault")});
    QVERIFY2(list.exitCode == 0, qPrintable(list.all()));
    QVERIFY(list.out.contains(QStringLiteral("slack_bot_token")));
    QVERIFY(!list.all().contains(QString::fromLatin1(value)));
    // Stored encrypted: the value is nowhere in the row.
    auto raw = test::await(m_db.executor().run<QString>([](sql::DbConnection &conn) -> core::Result<QString> {
        auto q = conn.exec(QStringLiteral("SELECT string_agg(t::text || encode(ciphertext, 'escape'), '|') "
                                          "FROM tenant_secrets t WHERE tenant_id = 'vault'"),
                           {}, QStringLiteral("raw"));
        if (!q)
            return q.error();
        return q.value()->next() ? q.value()->value(0).toString() : QString();
    }));
    AGENCY_VERIFY_OK(raw);
    QVERIFY(raw->contains(QStringLiteral("slack_bot_token")));
    QVERIFY(!raw->contains(QString::fromLatin1(value)));
    // Mistakes: no value, a value on the command line, an unknown tenant, a bad name.
    QCOMPARE(cli({QStringLiteral("set"), QStringLiteral("vault"), QStringLiteral("x")}).exitCode, 2);
    QCOMPARE(
        cli({QStringLiteral("set"), QStringLiteral("vault"), QStringLiteral("x"), QStringLiteral("oops")})
            .exitCode,
        2);
    QCOMPARE(cli({QStringLiteral("set"), QStringLiteral("nobody"), QStringLiteral("x")}, "v").exitCode, 3);
    QCOMPARE(cli({QStringLiteral("set"), QStringLiteral("vault"), QStringLiteral("Bad-Name")}, "v").exitCode,
             2);
    // config show never prints the secrets key.
    const CliRun shown =
        test::CliRunner(QStringLiteral(AGENCY_CLI), m_work,
                        {QStringLiteral("--set"), QStringLiteral("SECRETS_KEY=") +
                                                      QString::fromLatin1(QByteArray(32, 'z').toBase64())})
            .run({QStringLiteral("config"), QStringLiteral("show")});
    QVERIFY2(shown.exitCode == 0, qPrintable(shown.all()));
    QVERIFY(!shown.out.contains(QString::fromLatin1(QByteArray(32, 'z').toBase64())));
    QVERIFY(shown.out.contains(QStringLiteral("SECRETS_KEY")));
    QCOMPARE(
        cli({QStringLiteral("delete"), QStringLiteral("vault"), QStringLiteral("slack_bot_token")}).exitCode,
        0);
    QCOMPARE(
        cli({QStringLiteral("delete"), QStringLiteral("vault"), QStringLiteral("slack_bot_token")}).exitCode,
        3);
    QVERIFY(!cli({QStringLiteral("list"), QStringLiteral("vault")})
                 .out.contains(QStringLiteral("slack_bot_token")));
}

QJsonObject TestAdminCli::storedSettings(const QString &tenant)
{
    auto settings = test::await(m_tenants->settingsOf(tenant));
    if (!settings)
        QTest::qFail(qPrintable(settings.error().toString()), __FILE__, __LINE__);
    return settings ? settings.value() : QJsonObject();
}

void TestAdminCli::tenantsSetShowList()
{
    const CliRun set =
        aiagency({QStringLiteral("tenants"), QStringLiteral("set"), QStringLiteral("acme"),
                  QStringLiteral("name=Acme Corp"), QStringLiteral("provider=demo"),
                  QStringLiteral("model=demo-large"), QStringLiteral("rate_limits.openai.tpm=20000"),
                  QStringLiteral("rate_limits.*.tph=900000")});
    QVERIFY2(set.exitCode == 0 && !set.crashed, qPrintable(set.all()));
    QVERIFY2(set.out.contains(QStringLiteral("provider:       demo")), qPrintable(set.all()));
    const QJsonObject expected{
        {QStringLiteral("provider"), QStringLiteral("demo")},
        {QStringLiteral("model"), QStringLiteral("demo-large")},
        {QStringLiteral("rate_limits"),
         QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), 20000}}},
                     {QStringLiteral("*"), QJsonObject{{QStringLiteral("tph"), 900000}}}}}};
    QCOMPARE(storedSettings(QStringLiteral("acme")), expected);

    // An empty value removes a setting; the others stay.
    const CliRun unset = aiagency({QStringLiteral("tenants"), QStringLiteral("set"), QStringLiteral("acme"),
                                   QStringLiteral("model="), QStringLiteral("rate_limits.*.tph=")});
    QVERIFY2(unset.exitCode == 0, qPrintable(unset.all()));
    QJsonObject afterUnset = expected;
    afterUnset.remove(QStringLiteral("model"));
    afterUnset.insert(QStringLiteral("rate_limits"),
                      QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), 20000}}}});
    QCOMPARE(storedSettings(QStringLiteral("acme")), afterUnset);

    const CliRun show = aiagency({QStringLiteral("tenants"), QStringLiteral("show"), QStringLiteral("acme")});
    QVERIFY2(show.exitCode == 0, qPrintable(show.all()));
    QVERIFY2(show.out.contains(QStringLiteral("name:           Acme Corp")), qPrintable(show.out));
    QVERIFY2(show.out.contains(QStringLiteral("\"tpm\": 20000")), qPrintable(show.out));

    const CliRun list = aiagency({QStringLiteral("tenants"), QStringLiteral("list")});
    QVERIFY2(list.exitCode == 0, qPrintable(list.all()));
    QVERIFY2(QRegularExpression(QStringLiteral("\nacme +0  demo +- +Acme Corp\n")).match(list.out).hasMatch(),
             qPrintable(list.out));
}

void TestAdminCli::tenantsSetIsValidatedLikeTheService_data()
{
    QTest::addColumn<QString>("assignment");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown key") << QStringLiteral("colour=blue") << QStringLiteral("unknown key \"colour\"");
    QTest::newRow("unknown provider")
        << QStringLiteral("provider=skynet") << QStringLiteral("provider: must be one of demo, openai");
    QTest::newRow("padded model") << QStringLiteral("model= x") << QStringLiteral("model: must be");
    QTest::newRow("tpm not a number")
        << QStringLiteral("rate_limits.openai.tpm=lots") << QStringLiteral("rate_limits.openai.tpm");
    QTest::newRow("tph negative") << QStringLiteral("rate_limits.*.tph=-5")
                                  << QStringLiteral("rate_limits.*.tph");
    QTest::newRow("rate limit window")
        << QStringLiteral("rate_limits.openai.tpd=5") << QStringLiteral("unknown key");
    QTest::newRow("not an assignment") << QStringLiteral("provider") << QStringLiteral("KEY=VALUE");
}

void TestAdminCli::tenantsSetIsValidatedLikeTheService()
{
    QFETCH(QString, assignment);
    QFETCH(QString, message);
    const QString tenant = QStringLiteral("strict");
    const CliRun first =
        aiagency({QStringLiteral("tenants"), QStringLiteral("set"), tenant, QStringLiteral("provider=demo")});
    QVERIFY2(first.exitCode == 0, qPrintable(first.all()));
    // A good assignment next to the bad one is not written either.
    const CliRun r = aiagency(
        {QStringLiteral("tenants"), QStringLiteral("set"), tenant, QStringLiteral("model=fine"), assignment});
    QVERIFY2(r.exitCode == 2 && !r.crashed, qPrintable(r.all()));
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QCOMPARE(storedSettings(tenant), (QJsonObject{{QStringLiteral("provider"), QStringLiteral("demo")}}));
}

void TestAdminCli::tenantsShowUnknownIsNotFound()
{
    const CliRun r = aiagency({QStringLiteral("tenants"), QStringLiteral("show"), QStringLiteral("nobody")});
    QVERIFY2(r.exitCode == 3 && !r.crashed, qPrintable(r.all()));
    const CliRun usage = aiagency({QStringLiteral("tenants"), QStringLiteral("frobnicate")});
    QCOMPARE(usage.exitCode, 2);
}

void TestAdminCli::tenantProviderAnswersTheChat()
{
    // LLM_PROVIDER names a provider without a key: only the tenant's provider can answer.
    const QStringList openaiDefault{QStringLiteral("--set"), QStringLiteral("LLM_PROVIDER=openai")};
    const QStringList chat{QStringLiteral("chat"),   QStringLiteral("--tenant"),   QStringLiteral("viademo"),
                           QStringLiteral("--flow"), QStringLiteral("consulting"), QStringLiteral("Hello")};
    const CliRun before = aiagency(chat, openaiDefault);
    QVERIFY2(before.exitCode == 2, qPrintable(before.all()));
    QVERIFY2(before.err.contains(QStringLiteral("OPENAI_API_KEY")), qPrintable(before.all()));
    const CliRun set = aiagency({QStringLiteral("tenants"), QStringLiteral("set"), QStringLiteral("viademo"),
                                 QStringLiteral("provider=demo"), QStringLiteral("model=tenant-model")});
    QVERIFY2(set.exitCode == 0, qPrintable(set.all()));
    const CliRun after = aiagency(chat, openaiDefault);
    QVERIFY2(after.exitCode == 0, qPrintable(after.all()));
    QVERIFY2(after.err.contains(QStringLiteral("(demo/tenant-model,")), qPrintable(after.all()));
}

void TestAdminCli::tenantsUsageShowsCostAndBudgetRefusesTheChat()
{
    const QString tenant = QStringLiteral("costly");
    const CliRun set = aiagency({QStringLiteral("tenants"), QStringLiteral("set"), tenant,
                                 QStringLiteral("provider=demo"), QStringLiteral("budget.usd_per_day=0.5")});
    QVERIFY2(set.exitCode == 0, qPrintable(set.all()));
    QCOMPARE(storedSettings(tenant),
             (QJsonObject{{QStringLiteral("provider"), QStringLiteral("demo")},
                          {QStringLiteral("budget"), QJsonObject{{QStringLiteral("usd_per_day"), 0.5}}}}));
    const CliRun bad = aiagency({QStringLiteral("tenants"), QStringLiteral("set"), tenant,
                                 QStringLiteral("budget.usd_per_day=lots")});
    QVERIFY2(bad.exitCode == 2 && bad.err.contains(QStringLiteral("budget.usd_per_day")),
             qPrintable(bad.all()));

    // Two priced calls today and one of a model without a price, as the program records them.
    auto inserted = test::await(m_db.executor().run<void>([tenant](sql::DbConnection &conn) -> core::Status {
        auto q = conn.exec(QStringLiteral("INSERT INTO llm_usage (tenant_id, provider, model, prompt_tokens, "
                                          "completion_tokens, total_tokens, cost_usd) VALUES "
                                          "(?, 'openai', 'gpt-4o', 1000, 500, 1500, 0.0075), "
                                          "(?, 'openai', 'gpt-4o', 2000, 0, 2000, 0.005), "
                                          "(?, 'openai', 'my-finetune', 10, 10, 20, NULL)"),
                           {tenant, tenant, tenant}, QStringLiteral("usage rows"));
        if (!q)
            return q.error();
        return {};
    }));
    AGENCY_VERIFY_OK(inserted);
    const CliRun usage = aiagency({QStringLiteral("tenants"), QStringLiteral("usage"), tenant});
    QVERIFY2(usage.exitCode == 0, qPrintable(usage.all()));
    QVERIFY2(usage.out.contains(QStringLiteral("COST (USD)")), qPrintable(usage.out));
    QVERIFY2(QRegularExpression(QStringLiteral("openai +3 +0 +3010 +510 +3520 +\\$0\\.0125\n"))
                 .match(usage.out)
                 .hasMatch(),
             qPrintable(usage.out));
    QVERIFY2(usage.out.contains(QStringLiteral("total: 3 calls, 3520 tokens, $0.0125")),
             qPrintable(usage.out));
    QVERIFY2(usage.out.contains(QStringLiteral("1 calls used models without a price")),
             qPrintable(usage.out));
    QCOMPARE(aiagency({QStringLiteral("tenants"), QStringLiteral("usage"), tenant, QStringLiteral("--days"),
                       QStringLiteral("0")})
                 .exitCode,
             2);

    // $0.0125 spent of a $0.01 daily budget: the chat is refused like the token budget (exit 5).
    const CliRun lower = aiagency({QStringLiteral("tenants"), QStringLiteral("set"), tenant,
                                   QStringLiteral("budget.usd_per_day=0.01")});
    QVERIFY2(lower.exitCode == 0, qPrintable(lower.all()));
    const CliRun chat =
        aiagency({QStringLiteral("chat"), QStringLiteral("--tenant"), tenant, QStringLiteral("--flow"),
                  QStringLiteral("consulting"), QStringLiteral("Hello")});
    QVERIFY2(chat.exitCode == 5 && !chat.crashed, qPrintable(chat.all()));
    QVERIFY2(chat.err.contains(QStringLiteral("daily budget of $0.0100")), qPrintable(chat.all()));
}

void TestAdminCli::runsCreateListShowCancel()
{
    const CliRun created =
        aiagency({QStringLiteral("runs"), QStringLiteral("create"), QStringLiteral("--tenant"),
                  QStringLiteral("acme"), QStringLiteral("--flow"), QStringLiteral("consulting"),
                  QStringLiteral("Draft a plan to cut churn")});
    QVERIFY2(created.exitCode == 0 && !created.crashed, qPrintable(created.all()));
    const auto match = QRegularExpression(QStringLiteral("run: +([0-9a-f-]{36})\n")).match(created.out);
    QVERIFY2(match.hasMatch(), qPrintable(created.out));
    const QString id = match.captured(1);
    QVERIFY2(created.out.contains(QStringLiteral("status:         queued")), qPrintable(created.out));

    const CliRun list =
        aiagency({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--tenant"),
                  QStringLiteral("acme"), QStringLiteral("--status"), QStringLiteral("queued")});
    QVERIFY2(list.exitCode == 0, qPrintable(list.all()));
    QVERIFY2(list.out.contains(id + QStringLiteral("  queued")), qPrintable(list.out));
    QVERIFY2(list.out.contains(QStringLiteral("Draft a plan to cut churn")), qPrintable(list.out));

    const CliRun show = aiagency({QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("--tenant"),
                                  QStringLiteral("acme"), id});
    QVERIFY2(show.exitCode == 0, qPrintable(show.all()));
    QVERIFY2(show.out.contains(QStringLiteral("flow:           consulting")), qPrintable(show.out));

    const CliRun cancel = aiagency({QStringLiteral("runs"), QStringLiteral("cancel"),
                                    QStringLiteral("--tenant"), QStringLiteral("acme"), id});
    QVERIFY2(cancel.exitCode == 0, qPrintable(cancel.all()));
    QVERIFY2(cancel.out.contains(QStringLiteral("status:         cancelled")), qPrintable(cancel.out));
    // A finished run cannot be cancelled again: a conflict.
    const CliRun again = aiagency({QStringLiteral("runs"), QStringLiteral("cancel"),
                                   QStringLiteral("--tenant"), QStringLiteral("acme"), id});
    QVERIFY2(again.exitCode == 4, qPrintable(again.all()));
    QVERIFY2(again.err.contains(QStringLiteral("has already finished (cancelled)")), qPrintable(again.all()));
    // Another tenant does not see it.
    const CliRun other = aiagency({QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("--tenant"),
                                   QStringLiteral("globex"), id});
    QVERIFY2(other.exitCode == 3, qPrintable(other.all()));
}

void TestAdminCli::runsErrorsFollowTheExitCodeTable()
{
    const QStringList acme{QStringLiteral("--tenant"), QStringLiteral("acme")};
    const CliRun unknownFlow =
        aiagency(QStringList{QStringLiteral("runs"), QStringLiteral("create"), QStringLiteral("--flow"),
                             QStringLiteral("nosuch"), QStringLiteral("x")} +
                 acme);
    QVERIFY2(unknownFlow.exitCode == 3, qPrintable(unknownFlow.all()));
    const CliRun unknownProvider =
        aiagency(QStringList{QStringLiteral("runs"), QStringLiteral("create"), QStringLiteral("--flow"),
                             QStringLiteral("consulting"), QStringLiteral("--provider"),
                             QStringLiteral("skynet"), QStringLiteral("x")} +
                 acme);
    QVERIFY2(unknownProvider.exitCode == 3, qPrintable(unknownProvider.all()));
    const CliRun badStatus = aiagency(QStringList{QStringLiteral("runs"), QStringLiteral("list"),
                                                  QStringLiteral("--status"), QStringLiteral("done")} +
                                      acme);
    QVERIFY2(badStatus.exitCode == 2, qPrintable(badStatus.all()));
    const CliRun badId = aiagency(
        QStringList{QStringLiteral("runs"), QStringLiteral("show"), QStringLiteral("not-a-uuid")} + acme);
    QVERIFY2(badId.exitCode == 2, qPrintable(badId.all()));
    // QUuid reads the nil UUID as "no id"; the error says that it is refused, not that it is no UUID.
    const CliRun nilId = aiagency(QStringList{QStringLiteral("runs"), QStringLiteral("show"),
                                              QStringLiteral("00000000-0000-0000-0000-000000000000")} +
                                  acme);
    QVERIFY2(nilId.exitCode == 2 && nilId.err.contains(QStringLiteral("other than the nil UUID")),
             qPrintable(nilId.all()));
    // A usage error names the command as typed, once, never the binary's path.
    const CliRun badFlag =
        aiagency({QStringLiteral("runs"), QStringLiteral("list"), QStringLiteral("--nosuch")});
    QVERIFY2(badFlag.exitCode == 2, qPrintable(badFlag.all()));
    QVERIFY2(badFlag.err.startsWith(QStringLiteral("aiagency runs: ")), qPrintable(badFlag.err));
    QVERIFY2(badFlag.err.contains(QStringLiteral("Usage: aiagency runs [options]")), qPrintable(badFlag.err));
    QVERIFY2(!badFlag.err.contains(QStringLiteral(AGENCY_CLI)), qPrintable(badFlag.err));
    const CliRun noTenant = aiagency({QStringLiteral("runs"), QStringLiteral("list")});
    QVERIFY2(noTenant.exitCode == 2, qPrintable(noTenant.all()));
}

void TestAdminCli::runsCreateChecksTheTenantsProvider()
{
    // The tenant's provider is the one that would answer, and it has no key: refused at once.
    const CliRun set = aiagency({QStringLiteral("tenants"), QStringLiteral("set"),
                                 QStringLiteral("mistralco"), QStringLiteral("provider=mistral")});
    QVERIFY2(set.exitCode == 0, qPrintable(set.all()));
    const CliRun r = aiagency({QStringLiteral("runs"), QStringLiteral("create"), QStringLiteral("--tenant"),
                               QStringLiteral("mistralco"), QStringLiteral("--flow"),
                               QStringLiteral("consulting"), QStringLiteral("Hello")});
    QVERIFY2(r.exitCode == 2, qPrintable(r.all()));
    QVERIFY2(r.err.contains(QStringLiteral("MISTRAL_API_KEY")), qPrintable(r.all()));
}

void TestAdminCli::serveTakesLocalhostAndPrintsIpv6Urls_data()
{
    QTest::addColumn<QString>("host");
    QTest::addColumn<QString>("url");
    QTest::newRow("localhost") << QStringLiteral("localhost") << QStringLiteral("http://127.0.0.1:");
    QTest::newRow("ipv6") << QStringLiteral("::1") << QStringLiteral("http://[::1]:");
}

void TestAdminCli::serveTakesLocalhostAndPrintsIpv6Urls()
{
    QFETCH(QString, host);
    QFETCH(QString, url);
    if (host == QLatin1String("::1")) {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHostIPv6))
            QSKIP("this machine has no IPv6 loopback");
    }
    QProcess process;
    QString listening;
    QVERIFY(startServe(process, {QStringLiteral("--host"), host}, &listening));
    QVERIFY2(listening.startsWith(url), qPrintable(listening));
    // The printed URL is one a client can use.
    QNetworkAccessManager nam;
    QNetworkReply *reply = nam.get(QNetworkRequest(QUrl(listening + QStringLiteral("/healthz"))));
    QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    delete reply;
    process.terminate();
    const CliRun r = test::CliRunner::finish(process);
    QVERIFY2(!r.crashed, qPrintable(r.all()));
}

void TestAdminCli::serveRefusesNoAuthOffLoopbackAndExits()
{
    // Refused before the event loop runs: the process must end with the usage code, not keep
    // running without a listening socket.
    const CliRun r =
        test::CliRunner(QStringLiteral(AGENCY_CLI), m_work, {QStringLiteral("--database-url"), m_db.url()})
            .run({QStringLiteral("serve"), QStringLiteral("--no-auth"), QStringLiteral("--host"),
                  QStringLiteral("0.0.0.0"), QStringLiteral("--port"), QStringLiteral("0")});
    QVERIFY2(!r.crashed, qPrintable(r.all()));
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("without authentication")), qPrintable(r.all()));
}

void TestAdminCli::serveAccessLogIsWrittenSoonAndCompleteAtExit()
{
    QProcess process;
    QString listening;
    QVERIFY(startServe(process, {}, &listening));
    QNetworkAccessManager nam;
    auto get = [&](const QString &requestId) {
        QNetworkRequest request(QUrl(listening + QStringLiteral("/healthz")));
        request.setRawHeader("X-Request-Id", requestId.toLatin1());
        QNetworkReply *reply = nam.get(request);
        QTRY_VERIFY_WITH_TIMEOUT(reply->isFinished(), 10000);
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        delete reply;
    };
    // Buffered, but written soon: the line arrives while the server keeps running.
    get(QStringLiteral("first"));
    QString out;
    QTRY_VERIFY_WITH_TIMEOUT(
        (out += QString::fromUtf8(process.readAllStandardOutput())).contains(QStringLiteral("\"first\"")),
        10000);
    // Lines still waiting in the buffer when SIGTERM comes are written before the process ends.
    for (int i = 0; i < 5; ++i)
        get(QStringLiteral("burst-%1").arg(i));
    process.terminate();
    const CliRun r = test::CliRunner::finish(process);
    QVERIFY2(!r.crashed && r.exitCode == 0, qPrintable(r.all()));
    out += r.out;
    const QStringList lines = out.split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 6);
    for (int i = 0; i < 5; ++i) {
        const QJsonObject line = QJsonDocument::fromJson(lines.value(i + 1).toUtf8()).object();
        QCOMPARE(line.value(QStringLiteral("request_id")).toString(), QStringLiteral("burst-%1").arg(i));
        QCOMPARE(line.value(QStringLiteral("path")).toString(), QStringLiteral("/healthz"));
        QCOMPARE(line.value(QStringLiteral("status")).toInt(), 200);
    }
}

void TestAdminCli::serveWithoutKeysSaysHowToCreateOne()
{
    // No key exists yet in this database: the first lines, before "listening on", say so.
    QProcess process;
    QString listening;
    QString started;
    QVERIFY(startServe(process, {}, &listening, &started));
    process.terminate();
    CliRun first = test::CliRunner::finish(process);
    QVERIFY2(!first.crashed, qPrintable(first.all()));
    first.err.prepend(started);
    const QString before = started.left(started.indexOf(QStringLiteral("listening on")));
    QVERIFY2(before.contains(QStringLiteral("no API key exists")), qPrintable(first.all()));
    QVERIFY2(before.contains(QStringLiteral("--no-auth")), qPrintable(first.all()));
    // The command it names works as printed (with a tenant filled in)...
    static const QRegularExpression command(
        QStringLiteral("\\S+ (keys create --tenant) <tenant> (--role admin)"));
    const auto match = command.match(before);
    QVERIFY2(match.hasMatch(), qPrintable(first.all()));
    const CliRun created =
        aiagency({QStringLiteral("keys"), QStringLiteral("create"), QStringLiteral("--tenant"),
                  QStringLiteral("firststart"), QStringLiteral("--role"), QStringLiteral("admin")});
    QVERIFY2(created.exitCode == 0, qPrintable(created.all()));
    // ...and once a key exists, nothing is said.
    QVERIFY(startServe(process, {}, &listening, &started));
    process.terminate();
    const CliRun second = test::CliRunner::finish(process);
    QVERIFY2(!started.contains(QStringLiteral("no API key")), qPrintable(started));
}

QTEST_GUILESS_MAIN(TestAdminCli)
#include "test_admincli.moc"
