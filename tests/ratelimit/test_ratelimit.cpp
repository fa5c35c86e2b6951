// Token buckets: every behaviour runs against both limiters (in memory, and shared through a real
// PostgreSQL) with a ManualClock, so refill, retry-after and settlement are checked to the
// millisecond. Plus: per-tenant overrides and their cache, and concurrency — threads on the memory
// limiter, and two PostgreSQL limiters on two executors sharing one database — never granting
// more than the limit.

#include "core/tokenestimate.h"
#include "ratelimit/limitpolicy.h"
#include "ratelimit/memoryratelimiter.h"
#include "ratelimit/postgresratelimiter.h"
#include "ratelimit/ratelimiting.h"
#include "runtime/runtimeconfig.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QTest>

#include <atomic>
#include <thread>

using namespace agency;
using core::ErrorCode;
using core::LimitStatus;
using ratelimit::Reservation;

namespace {

using Values = QHash<QString, QString>;

/// The rate-limit config the program would build from `values` (as settings). The values are the
/// test's own constants: an invalid one is a broken test, so it stops the run.
ratelimit::RateLimitConfig limitConfig(const Values &values)
{
    auto config = runtime::RuntimeConfig::fromValues(values);
    if (!config)
        qFatal("invalid test settings: %s", qPrintable(config.error().toString()));
    return config->rateLimits;
}

QJsonObject parse(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

} // namespace

class TestRateLimit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void refillIsContinuous_data() { backends(); }
    void refillIsContinuous();
    void retryAfterIsExact_data() { backends(); }
    void retryAfterIsExact();
    void hourWindow_data() { backends(); }
    void hourWindow();
    void settlementRefundsAndCharges_data() { backends(); }
    void settlementRefundsAndCharges();
    void debtIsBoundedToOneWindow_data() { backends(); }
    void debtIsBoundedToOneWindow();
    void oversizedRequestIsRefusedNotQueued_data() { backends(); }
    void oversizedRequestIsRefusedNotQueued();
    void invalidInput_data() { backends(); }
    void invalidInput();
    void unlimitedProviderAndIsolation_data() { backends(); }
    void unlimitedProviderAndIsolation();
    void tenantOverridesAndTheirCache_data() { backends(); }
    void tenantOverridesAndTheirCache();
    void raisedLimitAppliesToAnExistingBucket_data() { backends(); }
    void raisedLimitAppliesToAnExistingBucket();

    void memoryLimiterUnderThreads();
    void twoPostgresLimitersNeverExceedTheLimit();
    void overrideValidation();
    void factory();
    void estimates();

private:
    static void backends();
    std::unique_ptr<ratelimit::RateLimiter> makeLimiter(const Values &values,
                                                        ratelimit::TenantSettingsLookup lookup = {});
    core::Result<Reservation> reserve(const QString &tenant, qint64 tokens,
                                      const QString &provider = QStringLiteral("openai"));
    core::Result<LimitStatus> status(const QString &tenant,
                                     const QString &provider = QStringLiteral("openai"));
    static void verifyRefused(const core::Result<Reservation> &r, qint64 retryAfterMs, const QString &window,
                              qint64 limit, qint64 remaining);
    QString tenant() const;

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
    std::unique_ptr<sql::DbExecutor> m_db;
    std::shared_ptr<core::ManualClock> m_clock;
    std::shared_ptr<ratelimit::LimitPolicy> m_policy;
    std::unique_ptr<ratelimit::RateLimiter> m_limiter;
};

void TestRateLimit::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_params = params.value();
    m_db = std::make_unique<sql::DbExecutor>(m_params, 2);
}

void TestRateLimit::cleanupTestCase()
{
    m_limiter.reset();
    m_db.reset();
}

void TestRateLimit::backends()
{
    QTest::addColumn<QString>("backend");
    QTest::newRow("memory") << QStringLiteral("memory");
    QTest::newRow("postgres") << QStringLiteral("postgres");
}

QString TestRateLimit::tenant() const
{
    // A tenant of its own per test and backend: PostgreSQL buckets persist across tests.
    return QStringLiteral("%1-%2").arg(QLatin1String(QTest::currentTestFunction()),
                                       QLatin1String(QTest::currentDataTag()));
}

std::unique_ptr<ratelimit::RateLimiter> TestRateLimit::makeLimiter(const Values &values,
                                                                   ratelimit::TenantSettingsLookup lookup)
{
    QFETCH(QString, backend);
    m_clock = std::make_shared<core::ManualClock>();
    m_policy =
        ratelimit::LimitPolicy::create(limitConfig(values).providerDefaults, std::move(lookup), m_clock);
    if (backend == QLatin1String("postgres"))
        return std::make_unique<ratelimit::PostgresRateLimiter>(*m_db, m_policy, m_clock);
    return std::make_unique<ratelimit::MemoryRateLimiter>(m_policy, m_clock);
}

core::Result<Reservation> TestRateLimit::reserve(const QString &tenantId, qint64 tokens,
                                                 const QString &provider)
{
    return test::await(m_limiter->reserve(tenantId, provider, tokens));
}

core::Result<LimitStatus> TestRateLimit::status(const QString &tenantId, const QString &provider)
{
    return test::await(m_limiter->status(tenantId, provider));
}

void TestRateLimit::verifyRefused(const core::Result<Reservation> &r, qint64 retryAfterMs,
                                  const QString &window, qint64 limit, qint64 remaining)
{
    QVERIFY2(!r.ok(), "expected a refusal");
    QCOMPARE(r.error().code, ErrorCode::RateLimited);
    const QJsonObject d = r.error().details;
    QCOMPARE(d.value(QLatin1String("retry_after_ms")).toInteger(), retryAfterMs);
    QCOMPARE(d.value(QLatin1String("window")).toString(), window);
    QCOMPARE(d.value(QLatin1String("limit_tokens")).toInteger(), limit);
    QCOMPARE(d.value(QLatin1String("remaining_tokens")).toInteger(), remaining);
}

void TestRateLimit::refillIsContinuous()
{
    // 600 tokens/minute: 1 token every 100 ms.
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("600")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}});
    const QString t = tenant();
    const auto all = reserve(t, 600);
    AGENCY_VERIFY_OK(all);
    QCOMPARE(all.value().after.minute.remaining, 0);
    QCOMPARE(all.value().after.minute.resetMs, 60'000);
    QVERIFY(all.value().after.hour.unlimited());

    const auto refused = reserve(t, 1);
    verifyRefused(refused, 100, QStringLiteral("minute"), 600, 0);
    QCOMPARE(refused.error().details.value(QLatin1String("reset_ms")).toInteger(), 60'000);
    m_clock->advanceMs(99);
    verifyRefused(reserve(t, 1), 1, QStringLiteral("minute"), 600, 0);
    m_clock->advanceMs(1);
    AGENCY_VERIFY_OK(reserve(t, 1));

    // Half a minute later, half the bucket is back — not all of it, not none of it.
    m_clock->advanceMs(30'000);
    const auto s = status(t);
    AGENCY_VERIFY_OK(s);
    QCOMPARE(s.value().minute.limit, 600);
    QCOMPARE(s.value().minute.remaining, 300);
    QCOMPARE(s.value().minute.resetMs, 30'000);
    QCOMPARE(s.value().hour.limit, 0);
    m_clock->advanceMs(3'600'000);
    QCOMPARE(status(t).value().minute.remaining, 600);
    QCOMPARE(status(t).value().minute.resetMs, 0);
}

void TestRateLimit::retryAfterIsExact()
{
    // 7 tokens/minute: 3 tokens take 180000/7 = 25714.28… ms, so the answer is 25715.
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("7")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}});
    const QString t = tenant();
    AGENCY_VERIFY_OK(reserve(t, 7));
    verifyRefused(reserve(t, 3), 25'715, QStringLiteral("minute"), 7, 0);
    m_clock->advanceMs(25'714);
    verifyRefused(reserve(t, 3), 1, QStringLiteral("minute"), 7, 2);
    m_clock->advanceMs(1);
    AGENCY_VERIFY_OK(reserve(t, 3));
}

void TestRateLimit::hourWindow()
{
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("1500")}});
    const QString t = tenant();
    const auto first = reserve(t, 1000);
    AGENCY_VERIFY_OK(first);
    QCOMPARE(first.value().after.hour.remaining, 500);
    // A minute later the minute bucket is full again, the hour bucket has 25 more tokens (525):
    // 600 needs 75 more at 1500/h = 180 s.
    m_clock->advanceMs(60'000);
    const auto refused = reserve(t, 600);
    verifyRefused(refused, 180'000, QStringLiteral("hour"), 1500, 525);
    QCOMPARE(refused.error().details.value(QLatin1String("reset_ms")).toInteger(), 2'340'000);
    m_clock->advanceMs(179'999);
    verifyRefused(reserve(t, 600), 1, QStringLiteral("hour"), 1500, 599);
    m_clock->advanceMs(1);
    const auto granted = reserve(t, 600);
    AGENCY_VERIFY_OK(granted);
    QCOMPARE(granted.value().after.hour.remaining, 0);
    QCOMPARE(granted.value().after.minute.remaining, 400);
}

void TestRateLimit::settlementRefundsAndCharges()
{
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("100000")}});
    const QString t = tenant();
    const auto big = reserve(t, 800);
    AGENCY_VERIFY_OK(big);
    QCOMPARE(big.value().after.minute.remaining, 200);
    // The provider reports 300: 500 come back.
    AGENCY_VERIFY_OK(test::await(m_limiter->settle(big.value(), 300)));
    QCOMPARE(status(t).value().minute.remaining, 700);
    QCOMPARE(status(t).value().hour.remaining, 99'700);

    const auto small = reserve(t, 100);
    AGENCY_VERIFY_OK(small);
    QCOMPARE(small.value().after.minute.remaining, 600);
    // The provider reports 400: 300 more are charged.
    AGENCY_VERIFY_OK(test::await(m_limiter->settle(small.value(), 400)));
    QCOMPARE(status(t).value().minute.remaining, 300);
    QCOMPARE(status(t).value().hour.remaining, 99'300);
    // Exact estimate: nothing changes.
    const auto exact = reserve(t, 50);
    AGENCY_VERIFY_OK(test::await(m_limiter->settle(exact.value(), 50)));
    QCOMPARE(status(t).value().minute.remaining, 250);

    QCOMPARE(test::await(m_limiter->settle(exact.value(), -1)).error().code, ErrorCode::InvalidArgument);
}

void TestRateLimit::debtIsBoundedToOneWindow()
{
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}});
    const QString t = tenant();
    const auto r = reserve(t, 1000);
    AGENCY_VERIFY_OK(r);
    // A (bogus) report of 5000 tokens: the bucket goes into debt, but at most one window's worth.
    AGENCY_VERIFY_OK(test::await(m_limiter->settle(r.value(), 5000)));
    const auto s = status(t);
    QCOMPARE(s.value().minute.remaining, 0);
    QCOMPARE(s.value().minute.resetMs, 120'000);
    // From -1000 tokens, 1 token is 1001 tokens away: 60.06 s.
    verifyRefused(reserve(t, 1), 60'060, QStringLiteral("minute"), 1000, 0);
    m_clock->advanceMs(60'060);
    AGENCY_VERIFY_OK(reserve(t, 1));
}

void TestRateLimit::oversizedRequestIsRefusedNotQueued()
{
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("600")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("500")}});
    const QString t = tenant();
    const auto tooBigForMinute = reserve(t, 601);
    QCOMPARE(tooBigForMinute.error().code, ErrorCode::PayloadTooLarge);
    QCOMPARE(tooBigForMinute.error().details.value(QLatin1String("window")).toString(),
             QStringLiteral("minute"));
    QCOMPARE(tooBigForMinute.error().details.value(QLatin1String("limit_tokens")).toInteger(), 600);
    QCOMPARE(tooBigForMinute.error().details.value(QLatin1String("requested_tokens")).toInteger(), 601);
    const auto tooBigForHour = reserve(t, 550);
    QCOMPARE(tooBigForHour.error().code, ErrorCode::PayloadTooLarge);
    QCOMPARE(tooBigForHour.error().details.value(QLatin1String("window")).toString(), QStringLiteral("hour"));
    // Nothing was taken by the refusals.
    QCOMPARE(status(t).value().hour.remaining, 500);
    AGENCY_VERIFY_OK(reserve(t, 500));
}

void TestRateLimit::invalidInput()
{
    m_limiter = makeLimiter({});
    QCOMPARE(reserve(QString(), 1).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(reserve(tenant(), 1, QString()).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(reserve(tenant(), -5).error().code, ErrorCode::InvalidArgument);
    QCOMPARE(status(QString()).error().code, ErrorCode::InvalidArgument);
    // A bad default never reaches a limiter: the settings refuse it at start-up.
    const auto badSetting = runtime::RuntimeConfig::fromValues(
        {{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("lots")}});
    QCOMPARE(badSetting.error().code, ErrorCode::InvalidArgument);
    QVERIFY(badSetting.error().message.contains(QLatin1String("OPENAI_RATE_LIMIT_TPM")));
}

void TestRateLimit::unlimitedProviderAndIsolation()
{
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("100")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}});
    const QString a = tenant() + QStringLiteral("-a");
    const QString b = tenant() + QStringLiteral("-b");
    // No LOCAL_LLM_RATE_LIMIT_* settings: unlimited.
    const auto local = reserve(a, 1'000'000'000, QStringLiteral("local-llm"));
    AGENCY_VERIFY_OK(local);
    QVERIFY(local.value().after.minute.unlimited());
    QVERIFY(status(a, QStringLiteral("local-llm")).value().hour.unlimited());

    AGENCY_VERIFY_OK(reserve(a, 100));
    QCOMPARE(reserve(a, 1).error().code, ErrorCode::RateLimited);
    // Another tenant, and the same tenant on another provider, have their own buckets.
    AGENCY_VERIFY_OK(reserve(b, 100));
    AGENCY_VERIFY_OK(reserve(a, 1000, QStringLiteral("mistral")));
}

void TestRateLimit::tenantOverridesAndTheirCache()
{
    auto calls = std::make_shared<QHash<QString, int>>();
    auto lookup = [calls](const QString &tenantId) -> core::Async<QJsonObject> {
        (*calls)[tenantId] += 1;
        if (tenantId.endsWith(QLatin1String("ghost")))
            return core::failedAsync<QJsonObject>(
                core::makeError(ErrorCode::DatabaseUnavailable, QStringLiteral("down")));
        if (tenantId.endsWith(QLatin1String("small")))
            return core::readyAsync<QJsonObject>(
                parse(R"({"rate_limits": {"openai": {"tpm": 100}, "*": {"tph": 5000}}, "other": 1})"));
        return core::readyAsync<QJsonObject>(QJsonObject{});
    };
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("600")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")},
                             {QStringLiteral("MISTRAL_RATE_LIMIT_TPM"), QStringLiteral("2000")},
                             {QStringLiteral("MISTRAL_RATE_LIMIT_TPH"), QStringLiteral("0")}},
                            lookup);
    const QString small = tenant() + QStringLiteral("-small");
    const QString other = tenant() + QStringLiteral("-other");

    const auto tooBig = reserve(small, 101);
    QCOMPARE(tooBig.error().code, ErrorCode::PayloadTooLarge);
    QCOMPARE(tooBig.error().details.value(QLatin1String("limit_tokens")).toInteger(), 100);
    AGENCY_VERIFY_OK(reserve(small, 100));
    const auto openai = status(small);
    QCOMPARE(openai.value().minute.limit, 100);
    QCOMPARE(openai.value().hour.limit, 0); // the provider's own entry has no tph: default
    const auto mistral = status(small, QStringLiteral("mistral"));
    QCOMPARE(mistral.value().minute.limit, 2000);
    QCOMPARE(mistral.value().hour.limit, 5000); // from "*"
    QCOMPARE(status(other).value().minute.limit, 600);
    QCOMPARE(calls->value(small), 1); // cached

    m_policy->invalidate(small);
    (void)status(small);
    QCOMPARE(calls->value(small), 2);
    m_clock->advanceMs(ratelimit::LimitPolicy::kDefaultCacheTtlMs + 1);
    (void)status(small);
    QCOMPARE(calls->value(small), 3);

    // A failed lookup falls back to the defaults, and is not cached.
    const QString ghost = tenant() + QStringLiteral("-ghost");
    QCOMPARE(status(ghost).value().minute.limit, 600);
    (void)status(ghost);
    QCOMPARE(calls->value(ghost), 2);
}

void TestRateLimit::raisedLimitAppliesToAnExistingBucket()
{
    auto settings = std::make_shared<QJsonObject>();
    auto lookup = [settings](const QString &) { return core::readyAsync<QJsonObject>(*settings); };
    m_limiter = makeLimiter({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("100")},
                             {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}},
                            lookup);
    const QString t = tenant();
    AGENCY_VERIFY_OK(reserve(t, 100));
    QCOMPARE(reserve(t, 1).error().code, ErrorCode::RateLimited);
    // The admin raises the limit: the empty bucket now refills at the new rate toward the new size.
    *settings = parse(R"({"rate_limits": {"openai": {"tpm": 6000, "tph": 100000}}})");
    m_policy->invalidate(t);
    m_clock->advanceMs(1000);
    const auto s = status(t);
    QCOMPARE(s.value().minute.limit, 6000);
    QCOMPARE(s.value().minute.remaining, 100); // 1 s at 6000/min
    QCOMPARE(s.value().hour.limit, 100'000);
    QCOMPARE(s.value().hour.remaining, 100'000); // a window that had no limit starts full
    const auto taken = reserve(t, 10);
    AGENCY_VERIFY_OK(taken);
    QCOMPARE(taken.value().after.minute.remaining, 90);
    // Lowered again: the level is clamped to the new, smaller bucket.
    *settings = parse(R"({"rate_limits": {"openai": {"tpm": 50}}})");
    m_policy->invalidate(t);
    QCOMPARE(status(t).value().minute.remaining, 50);
}

void TestRateLimit::memoryLimiterUnderThreads()
{
    auto clock = std::make_shared<core::ManualClock>(); // frozen: no refill during the test
    auto policy = ratelimit::LimitPolicy::create(
        limitConfig({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000")},
                     {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}})
            .providerDefaults,
        {}, clock);
    ratelimit::MemoryRateLimiter limiter(policy, clock);
    std::atomic<int> granted{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            for (int n = 0; n < 60; ++n) {
                auto f = limiter.reserve(QStringLiteral("threads"), QStringLiteral("openai"), 7);
                f.waitForFinished();
                (f.result().ok() ? granted : refused)++;
            }
        });
    }
    for (auto &t : threads)
        t.join();
    QCOMPARE(granted.load(), 1000 / 7);
    QCOMPARE(refused.load(), 240 - 1000 / 7);
}

void TestRateLimit::twoPostgresLimitersNeverExceedTheLimit()
{
    // Two "processes": each its own executor (connections) and limiter, one database.
    sql::DbExecutor executorA(m_params, 3);
    sql::DbExecutor executorB(m_params, 3);
    auto clock = std::make_shared<core::ManualClock>(); // frozen: exactly floor(1000 / 7) may pass
    const auto defaults = limitConfig({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000")},
                                       {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("0")}})
                              .providerDefaults;
    ratelimit::PostgresRateLimiter limiterA(executorA, ratelimit::LimitPolicy::create(defaults, {}, clock),
                                            clock);
    ratelimit::PostgresRateLimiter limiterB(executorB, ratelimit::LimitPolicy::create(defaults, {}, clock),
                                            clock);

    QList<core::Async<Reservation>> futures;
    for (int i = 0; i < 150; ++i) {
        futures.append(limiterA.reserve(QStringLiteral("shared"), QStringLiteral("openai"), 7));
        futures.append(limiterB.reserve(QStringLiteral("shared"), QStringLiteral("openai"), 7));
    }
    QVERIFY(QTest::qWaitFor(
        [&futures] {
            return std::all_of(futures.cbegin(), futures.cend(),
                               [](const auto &f) { return f.isFinished(); });
        },
        60'000));
    int granted = 0;
    int grantedByA = 0;
    for (int i = 0; i < futures.size(); ++i) {
        const auto r = futures.at(i).result();
        if (r.ok()) {
            ++granted;
            grantedByA += (i % 2 == 0) ? 1 : 0;
        } else {
            QCOMPARE(r.error().code, ErrorCode::RateLimited);
        }
    }
    QCOMPARE(granted, 1000 / 7);
    QVERIFY(grantedByA > 0 && grantedByA < granted); // both processes really competed

    auto level = test::await(executorA.run<qint64>([](sql::DbConnection &conn) -> core::Result<qint64> {
        auto q = conn.exec(
            QStringLiteral("SELECT minute_level FROM rate_limit_buckets WHERE tenant_id = 'shared'"), {},
            QStringLiteral("read level"));
        if (!q)
            return q.error();
        q.value()->next();
        return q.value()->value(0).toLongLong();
    }));
    AGENCY_VERIFY_OK(level);
    QCOMPARE(level.value(), (1000 - 142 * 7) * 60'000LL);
}

void TestRateLimit::overrideValidation()
{
    using ratelimit::LimitPolicy;
    QVERIFY(LimitPolicy::validateTenantSettings(parse(R"({"theme": "dark"})")).ok());
    QVERIFY(LimitPolicy::validateTenantSettings(parse(R"({"rate_limits": {"openai": {"tpm": 0, "tph": 5}}})"))
                .ok());
    QCOMPARE(LimitPolicy::validateTenantSettings(parse(R"({"rate_limits": []})")).error().message,
             QStringLiteral("rate_limits: must be an object"));
    QCOMPARE(LimitPolicy::validateTenantSettings(parse(R"({"rate_limits": {"openai": {"tpm": -1}}})"))
                 .error()
                 .message,
             QStringLiteral("rate_limits.openai.tpm: must be a whole number between 0 and 1000000000000"));
    QCOMPARE(LimitPolicy::validateTenantSettings(parse(R"({"rate_limits": {"openai": {"tpm": 1.5}}})"))
                 .error()
                 .code,
             ErrorCode::InvalidArgument);
    QCOMPARE(LimitPolicy::validateTenantSettings(parse(R"({"rate_limits": {"openai": {"rpm": 5}}})"))
                 .error()
                 .message,
             QStringLiteral("rate_limits.openai.rpm: unknown key (use tpm, tph)"));
    QCOMPARE(LimitPolicy::validateTenantSettings(parse(R"({"rate_limits": {"openai": 5}})")).error().code,
             ErrorCode::InvalidArgument);
}

void TestRateLimit::factory()
{
    auto clock = std::make_shared<core::ManualClock>();
    auto memory = ratelimit::createRateLimiting(limitConfig({}), nullptr, clock, {});
    QVERIFY(memory.ok());
    QVERIFY(dynamic_cast<ratelimit::MemoryRateLimiter *>(memory.value().limiter.get()));
    auto pg = ratelimit::createRateLimiting(
        limitConfig({{QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("postgres")}}), m_db.get(), clock,
        {});
    QVERIFY(pg.ok());
    QVERIFY(dynamic_cast<ratelimit::PostgresRateLimiter *>(pg.value().limiter.get()));
    // Seed defaults: OpenAI 90,000/minute.
    const auto s =
        test::await(pg.value().limiter->status(QStringLiteral("factory"), QStringLiteral("openai")));
    QCOMPARE(s.value().minute.limit, 90'000);
    QCOMPARE(s.value().hour.limit, 5'000'000);

    auto noDb = ratelimit::createRateLimiting(
        limitConfig({{QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("postgres")}}), nullptr, clock,
        {});
    QCOMPARE(noDb.error().code, ErrorCode::NotConfigured);
    // Bad values never reach the factory: the settings refuse them at start-up.
    auto unknown =
        runtime::RuntimeConfig::fromValues({{QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("redis")}});
    QCOMPARE(unknown.error().code, ErrorCode::InvalidArgument);
    QVERIFY(unknown.error().message.contains(QLatin1String("RATE_LIMIT_BACKEND")));
    auto badLimit = runtime::RuntimeConfig::fromValues(
        {{QStringLiteral("MISTRAL_RATE_LIMIT_TPH"), QStringLiteral("-3")}});
    QCOMPARE(badLimit.error().code, ErrorCode::InvalidArgument);
    QVERIFY(badLimit.error().message.contains(QLatin1String("MISTRAL_RATE_LIMIT_TPH")));
}

void TestRateLimit::estimates()
{
    // The one estimator (core/tokenestimate.h) the turn reserves with and adapters fill usage with.
    QCOMPARE(core::tokensForChars(0), 0);
    QCOMPARE(core::tokensForChars(10) + 100, 103); // ceil(10 / 4) + a completion allowance of 100
    QCOMPARE(core::tokensForChars(8), 2);
    QCOMPARE(core::tokensForChars(-5), 0);
    const QList<core::ChatMessage> messages{
        core::ChatMessage{core::Role::System, QStringLiteral("12345678"), {}, {}, {}},
        core::ChatMessage{
            core::Role::Assistant,
            QString(),
            {core::ToolCall{QStringLiteral("c1"), QStringLiteral("get_weather"), QStringLiteral("{}")}},
            {},
            {}}};
    QCOMPARE(core::promptChars(messages), 16 + 8 + 16 + 2 + 11 + 2);
    // A tool counts its name, description and schema, plus the wire framing around them (74).
    const core::ToolDefinition tool{QStringLiteral("t"), QStringLiteral("ab"), parse(R"({"type":"object"})")};
    QCOMPARE(core::promptChars(messages, {tool}), 16 + 8 + 16 + 2 + 11 + 2 + 74 + 1 + 2 + 17);
    QCOMPARE(core::estimatePromptTokens(messages, {tool}),
             (16 + 8 + 16 + 2 + 11 + 2 + 74 + 1 + 2 + 17 + 3) / 4);
}

QTEST_GUILESS_MAIN(TestRateLimit)
#include "test_ratelimit.moc"
