// MemoryRateLimiter housekeeping against a ManualClock: idle buckets are dropped once they have
// refilled (every 1,024th reservation looks), and refill after a long idle time saturates at a
// full bucket instead of overflowing elapsed × capacity.

#include "futurewait.h"
#include "ratelimit/limitpolicy.h"
#include "ratelimit/memoryratelimiter.h"

#include <QTest>

using namespace agency;
using ratelimit::MemoryRateLimiter;

namespace {

constexpr qint64 kHourMs = 3'600'000;
constexpr int kPruneEvery = 1024; ///< MemoryRateLimiter looks for idle buckets every this many reservations

} // namespace

class TestMemoryRateLimiter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void idleBucketsAreDroppedAfterTwoHours();
    void refillAfterALongIdleDoesNotOverflow();

private:
    std::unique_ptr<MemoryRateLimiter> makeLimiter(qint64 tpm, qint64 tph);
    bool reserve(MemoryRateLimiter &limiter, const QString &tenant, qint64 tokens);

    std::shared_ptr<core::ManualClock> m_clock;
    std::shared_ptr<ratelimit::LimitPolicy> m_policy;
};

void TestMemoryRateLimiter::init()
{
    m_clock = std::make_shared<core::ManualClock>();
}

std::unique_ptr<MemoryRateLimiter> TestMemoryRateLimiter::makeLimiter(qint64 tpm, qint64 tph)
{
    // The typed defaults the composition root builds from OPENAI_RATE_LIMIT_TPM / _TPH.
    m_policy = ratelimit::LimitPolicy::create({{QStringLiteral("openai"), ratelimit::Limits{tpm, tph}}}, {},
                                              m_clock);
    return std::make_unique<MemoryRateLimiter>(m_policy, m_clock);
}

bool TestMemoryRateLimiter::reserve(MemoryRateLimiter &limiter, const QString &tenant, qint64 tokens)
{
    auto r = test::await(limiter.reserve(tenant, QStringLiteral("openai"), tokens));
    if (!r)
        qWarning("reserve %s: %s", qPrintable(tenant), qPrintable(r.error().toString()));
    return r.ok();
}

void TestMemoryRateLimiter::idleBucketsAreDroppedAfterTwoHours()
{
    auto limiter = makeLimiter(1'000'000, 10'000'000);
    int operations = 0;
    // Three tenants spend at t = 0, three more 1 ms later; one keeps spending.
    for (int i = 0; i < 3; ++i, ++operations)
        QVERIFY(reserve(*limiter, QStringLiteral("old-%1").arg(i), 500));
    m_clock->advanceMs(1);
    for (int i = 0; i < 3; ++i, ++operations)
        QVERIFY(reserve(*limiter, QStringLiteral("recent-%1").arg(i), 500));
    QCOMPARE(limiter->bucketCount(), 6);

    // Two hours after the first ones: those are full again, the others 1 ms short of two hours.
    m_clock->advanceMs(2 * kHourMs - 1);
    while (operations < kPruneEvery - 1) {
        QVERIFY(reserve(*limiter, QStringLiteral("busy"), 1));
        ++operations;
    }
    QCOMPARE(limiter->bucketCount(), 7);                   // no look yet
    QVERIFY(reserve(*limiter, QStringLiteral("busy"), 1)); // the 1,024th: the idle ones go
    QCOMPARE(limiter->bucketCount(), 4);

    // A dropped bucket behaves as the full one it was.
    auto dropped = test::await(limiter->status(QStringLiteral("old-0"), QStringLiteral("openai")));
    AGENCY_VERIFY_OK(dropped);
    QCOMPARE(dropped->minute.remaining, 1'000'000);
    QCOMPARE(dropped->hour.remaining, 10'000'000);
    auto busy = test::await(limiter->status(QStringLiteral("busy"), QStringLiteral("openai")));
    AGENCY_VERIFY_OK(busy);
    QCOMPARE(busy->minute.remaining, 1'000'000 - (kPruneEvery - 6));
}

void TestMemoryRateLimiter::refillAfterALongIdleDoesNotOverflow()
{
    // The largest limits allowed: a level is tokens × window-ms, and three idle hours at 10^12
    // tokens per window would be 1.08 × 10^19 level units of refill, past the range of qint64.
    constexpr qint64 kMax = ratelimit::kMaxLimitTokens;
    auto limiter = makeLimiter(kMax, kMax);
    QVERIFY(reserve(*limiter, QStringLiteral("acme"), kMax)); // both windows empty
    auto empty = test::await(limiter->status(QStringLiteral("acme"), QStringLiteral("openai")));
    AGENCY_VERIFY_OK(empty);
    QCOMPARE(empty->minute.remaining, 0);
    QCOMPARE(empty->hour.remaining, 0);

    m_clock->advanceMs(3 * kHourMs);
    auto full = test::await(limiter->status(QStringLiteral("acme"), QStringLiteral("openai")));
    AGENCY_VERIFY_OK(full);
    QCOMPARE(full->minute.remaining, kMax);
    QCOMPARE(full->hour.remaining, kMax);
    QCOMPARE(full->hour.resetMs, 0);
    QVERIFY(reserve(*limiter, QStringLiteral("acme"), kMax));

    // Years of idle time saturate the same way.
    m_clock->advanceMs(qint64(100) * 365 * 24 * kHourMs);
    auto later = test::await(limiter->status(QStringLiteral("acme"), QStringLiteral("openai")));
    AGENCY_VERIFY_OK(later);
    QCOMPARE(later->hour.remaining, kMax);
}

QTEST_GUILESS_MAIN(TestMemoryRateLimiter)
#include "test_memoryratelimiter.moc"
