// llm_usage: recording provider calls and summarising a tenant's usage by UTC day and provider,
// against a real PostgreSQL.

#include "ratelimit/usagerecorder.h"
#include "sql/dbexecutor.h"
#include "testdatabase.h"

#include <QSqlQuery>
#include <QTest>
#include <QTimeZone>

using namespace agency;
using core::ErrorCode;
using core::UsageSummaryRow;
using ratelimit::UsageRecord;

namespace {

QDateTime utc(const char *iso)
{
    QDateTime t = QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODateWithMs);
    t.setTimeZone(QTimeZone::utc());
    return t;
}

UsageRecord usage(const QString &tenant, const QString &provider, qint64 prompt, qint64 completion,
                  qint64 latency, const QDateTime &at, const QString &outcome = QStringLiteral("ok"))
{
    UsageRecord r;
    r.tenantId = tenant;
    r.provider = provider;
    r.model = provider + QStringLiteral("-model");
    r.promptTokens = prompt;
    r.completionTokens = completion;
    r.latencyMs = latency;
    r.outcome = outcome;
    r.createdAt = at;
    return r;
}

} // namespace

class TestUsage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void summaryByDayAndProvider();
    void rangeIsHalfOpen();
    void defaultsFromClockAndTotals();
    void conversationsAndTenants();
    void validation();

private:
    core::Result<qint64> scalar(const QString &sql);
    core::Status exec(const QString &sql);
    core::Status recordMarch(); ///< the calls both range tests summarise

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    std::shared_ptr<core::ManualClock> m_clock = std::make_shared<core::ManualClock>();
    std::unique_ptr<ratelimit::UsageRecorder> m_recorder;
};

void TestUsage::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
}

void TestUsage::init()
{
    // Every test function gets its own database: none depends on rows another one wrote.
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    m_recorder = std::make_unique<ratelimit::UsageRecorder>(*m_db, m_clock);
    AGENCY_VERIFY_OK(
        exec(QStringLiteral("INSERT INTO tenants (tenant_id) VALUES ('acme'), ('globex'), ('initech')")));
}

void TestUsage::cleanup()
{
    m_recorder.reset();
    m_db.reset();
}

core::Status TestUsage::recordMarch()
{
    const QString t = QStringLiteral("acme");
    for (const UsageRecord &r :
         {usage(t, QStringLiteral("openai"), 100, 50, 800, utc("2024-03-01T10:00:00.000Z")),
          usage(t, QStringLiteral("openai"), 10, 0, 30000, utc("2024-03-01T23:59:59.999Z"),
                QStringLiteral("provider_timeout")),
          usage(t, QStringLiteral("mistral"), 20, 30, 400, utc("2024-03-01T12:00:00.000Z")),
          usage(t, QStringLiteral("openai"), 5, 5, 100, utc("2024-03-02T00:00:00.000Z")),
          // Another tenant's usage on the same days is not ours.
          usage(QStringLiteral("globex"), QStringLiteral("openai"), 999, 999, 1,
                utc("2024-03-01T11:00:00.000Z"))}) {
        if (auto recorded = test::await(m_recorder->record(r)); !recorded)
            return recorded.error();
    }
    return {};
}

core::Result<qint64> TestUsage::scalar(const QString &sql)
{
    return test::count(*m_db, sql);
}

core::Status TestUsage::exec(const QString &sql)
{
    return test::exec(*m_db, sql);
}

void TestUsage::summaryByDayAndProvider()
{
    const QString t = QStringLiteral("acme");
    AGENCY_VERIFY_OK(recordMarch());
    const auto rows =
        test::await(m_recorder->summary(t, utc("2024-03-01T00:00:00.000Z"), utc("2024-03-03T00:00:00.000Z")));
    AGENCY_VERIFY_OK(rows);
    const QList<UsageSummaryRow> expected{
        UsageSummaryRow{QDate(2024, 3, 1), QStringLiteral("mistral"), 1, 0, 20, 30, 50, 400},
        UsageSummaryRow{QDate(2024, 3, 1), QStringLiteral("openai"), 2, 1, 110, 50, 160, 15400},
        UsageSummaryRow{QDate(2024, 3, 2), QStringLiteral("openai"), 1, 0, 5, 5, 10, 100},
    };
    QCOMPARE(rows.value().size(), expected.size());
    for (int i = 0; i < expected.size(); ++i) {
        const UsageSummaryRow &got = rows.value().at(i);
        QCOMPARE(got.day, expected.at(i).day);
        QCOMPARE(got.provider, expected.at(i).provider);
        QCOMPARE(got.calls, expected.at(i).calls);
        QCOMPARE(got.errors, expected.at(i).errors);
        QCOMPARE(got.promptTokens, expected.at(i).promptTokens);
        QCOMPARE(got.completionTokens, expected.at(i).completionTokens);
        QCOMPARE(got.totalTokens, expected.at(i).totalTokens);
        QCOMPARE(got.averageLatencyMs, expected.at(i).averageLatencyMs);
    }
    AGENCY_ASSIGN_OK(stored,
                     scalar(QStringLiteral("SELECT count(*) FROM llm_usage WHERE tenant_id = 'acme' AND "
                                           "model = 'openai-model' AND outcome = 'provider_timeout'")));
    QCOMPARE(stored, 1);
}

void TestUsage::rangeIsHalfOpen()
{
    // [from, to): the 10:00:00.000 call is excluded by a `from` one millisecond later, and the
    // midnight call of the 2nd by a `to` of exactly midnight.
    AGENCY_VERIFY_OK(recordMarch());
    const auto rows = test::await(m_recorder->summary(QStringLiteral("acme"), utc("2024-03-01T10:00:00.001Z"),
                                                      utc("2024-03-02T00:00:00.000Z")));
    AGENCY_VERIFY_OK(rows);
    QCOMPARE(rows.value().size(), 2);
    QCOMPARE(rows.value().at(0).provider, QStringLiteral("mistral"));
    QCOMPARE(rows.value().at(0).calls, 1);
    QCOMPARE(rows.value().at(1).provider, QStringLiteral("openai"));
    QCOMPARE(rows.value().at(1).day, QDate(2024, 3, 1));
    QCOMPARE(rows.value().at(1).calls, 1);
    QCOMPARE(rows.value().at(1).promptTokens, 10);
    // The same range one millisecond wider on each side takes both boundary calls in.
    const auto wider = test::await(m_recorder->summary(
        QStringLiteral("acme"), utc("2024-03-01T10:00:00.000Z"), utc("2024-03-02T00:00:00.001Z")));
    AGENCY_VERIFY_OK(wider);
    QCOMPARE(wider.value().size(), 3);
    QCOMPARE(wider.value().at(1).calls, 2);
    QCOMPARE(wider.value().at(2).day, QDate(2024, 3, 2));
    const auto empty = test::await(m_recorder->summary(
        QStringLiteral("acme"), utc("2023-01-01T00:00:00.000Z"), utc("2023-01-02T00:00:00.000Z")));
    QVERIFY(empty.ok());
    QVERIFY(empty.value().isEmpty());
}

void TestUsage::defaultsFromClockAndTotals()
{
    UsageRecord r = usage(QStringLiteral("initech"), QStringLiteral("demo"), 7, 3, 2, QDateTime());
    AGENCY_VERIFY_OK(test::await(m_recorder->record(r))); // created now (ManualClock), total 10
    r.totalTokens = 25;                                   // a provider's own total wins
    AGENCY_VERIFY_OK(test::await(m_recorder->record(r)));
    const QDateTime now = m_clock->now();
    const auto rows =
        test::await(m_recorder->summary(QStringLiteral("initech"), now.addSecs(-1), now.addSecs(1)));
    AGENCY_VERIFY_OK(rows);
    QCOMPARE(rows.value().size(), 1);
    QCOMPARE(rows.value().first().day, now.date());
    QCOMPARE(rows.value().first().calls, 2);
    QCOMPARE(rows.value().first().totalTokens, 35);
}

void TestUsage::conversationsAndTenants()
{
    const QUuid conversation = QUuid::createUuid();
    const QString id = conversation.toString(QUuid::WithoutBraces);
    AGENCY_VERIFY_OK(exec(QStringLiteral("INSERT INTO conversations (conversation_id, tenant_id, flow_type) "
                                         "VALUES ('%1', 'acme', 'weather')")
                              .arg(id)));
    UsageRecord r =
        usage(QStringLiteral("acme"), QStringLiteral("openai"), 1, 1, 1, utc("2025-01-01T00:00:00.000Z"));
    r.conversationId = conversation;
    AGENCY_VERIFY_OK(test::await(m_recorder->record(r)));
    QCOMPARE(
        scalar(QStringLiteral("SELECT count(*) FROM llm_usage WHERE conversation_id = '%1'").arg(id)).value(),
        1);
    // Spent tokens outlive the conversation.
    AGENCY_VERIFY_OK(exec(QStringLiteral("DELETE FROM conversations WHERE conversation_id = '%1'").arg(id)));
    QCOMPARE(
        scalar(QStringLiteral("SELECT count(*) FROM llm_usage WHERE conversation_id = '%1'").arg(id)).value(),
        0);
    const auto rows = test::await(m_recorder->summary(QStringLiteral("acme"), utc("2025-01-01T00:00:00.000Z"),
                                                      utc("2025-01-02T00:00:00.000Z")));
    QCOMPARE(rows.value().size(), 1);

    // Unknown tenant or conversation: NotFound (foreign keys), nothing stored.
    const auto ghost = test::await(m_recorder->record(
        usage(QStringLiteral("nobody"), QStringLiteral("openai"), 1, 1, 1, utc("2025-01-01T00:00:00.000Z"))));
    QCOMPARE(ghost.error().code, ErrorCode::NotFound);
    r.conversationId = QUuid::createUuid();
    QCOMPARE(test::await(m_recorder->record(r)).error().code, ErrorCode::NotFound);
}

void TestUsage::validation()
{
    UsageRecord negative = usage(QStringLiteral("acme"), QStringLiteral("openai"), -1, 0, 0, QDateTime());
    const auto n = test::await(m_recorder->record(negative));
    QCOMPARE(n.error().code, ErrorCode::InvalidArgument);
    QCOMPARE(n.error().details.value(QLatin1String("field")).toString(), QStringLiteral("prompt_tokens"));
    UsageRecord badOutcome = usage(QStringLiteral("acme"), QStringLiteral("openai"), 1, 0, 0, QDateTime(),
                                   QStringLiteral("Bad Outcome!"));
    QCOMPARE(test::await(m_recorder->record(badOutcome)).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(test::await(m_recorder->record(usage({}, QStringLiteral("openai"), 1, 0, 0, {}))).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(test::await(m_recorder->record(usage(QStringLiteral("acme"), {}, 1, 0, 0, {}))).error().code,
             ErrorCode::InvalidArgument);

    const QDateTime t = utc("2024-03-01T00:00:00.000Z");
    QCOMPARE(test::await(m_recorder->summary(QStringLiteral("acme"), t, t)).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(test::await(m_recorder->summary(QStringLiteral("acme"), t, t.addDays(400))).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(test::await(m_recorder->summary(QString(), t, t.addDays(1))).error().code,
             ErrorCode::InvalidArgument);
}

QTEST_GUILESS_MAIN(TestUsage)
#include "test_usage.moc"
