// The circuit breaker per provider+model on a manual clock: failures within the window open it,
// old ones do not count, the cool-down (or a longer Retry-After) half-opens it for exactly one
// trial, success closes it, failure reopens it, and an abandoned trial may be made again.

#include "llm/circuitbreaker.h"

#include <QTest>

using namespace agency;
using llm::BreakerOptions;
using llm::CircuitBreakers;

namespace {

const core::RouteTarget kTarget{QStringLiteral("openai"), QStringLiteral("gpt-x"), 0};
const core::RouteTarget kOther{QStringLiteral("mistral"), QStringLiteral("m"), 0};

QString state(const CircuitBreakers &breakers)
{
    for (const core::BreakerStatus &b : breakers.snapshot()) {
        if (b.provider == kTarget.provider)
            return b.state;
    }
    return QStringLiteral("closed");
}

} // namespace

class TestCircuitBreaker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void opensHalfOpensAndCloses()
    {
        core::ManualClock clock;
        CircuitBreakers breakers(BreakerOptions{3, 1000, 5000}, clock);
        for (int i = 0; i < 2; ++i) {
            QVERIFY(breakers.acquire(kTarget));
            breakers.failed(kTarget);
        }
        // An old failure leaves the window: two recent ones are not enough.
        clock.advanceMs(1001);
        QVERIFY(breakers.acquire(kTarget));
        breakers.failed(kTarget);
        QCOMPARE(state(breakers), QStringLiteral("closed"));
        breakers.failed(kTarget);
        QCOMPARE(state(breakers), QStringLiteral("closed"));
        breakers.failed(kTarget);
        QCOMPARE(state(breakers), QStringLiteral("open"));
        QVERIFY(!breakers.acquire(kTarget));
        QVERIFY(breakers.acquire(kOther)); // per provider+model

        clock.advanceMs(5000);
        QCOMPARE(state(breakers), QStringLiteral("half_open"));
        QVERIFY(breakers.acquire(kTarget));  // the one trial
        QVERIFY(!breakers.acquire(kTarget)); // no second while it runs
        breakers.abandoned(kTarget);         // cancelled: may be tried again
        QVERIFY(breakers.acquire(kTarget));
        breakers.failed(kTarget);
        QCOMPARE(state(breakers), QStringLiteral("open"));
        QCOMPARE(breakers.snapshot().constFirst().retryInMs, 5000);

        clock.advanceMs(5000);
        QVERIFY(breakers.acquire(kTarget));
        breakers.succeeded(kTarget);
        QCOMPARE(state(breakers), QStringLiteral("closed"));
        QVERIFY(breakers.acquire(kTarget));
    }

    void retryAfterKeepsItOpenLonger()
    {
        core::ManualClock clock;
        CircuitBreakers breakers(BreakerOptions{1, 1000, 100}, clock);
        QVERIFY(breakers.acquire(kTarget));
        breakers.failed(kTarget, 60'000);
        clock.advanceMs(30'000);
        QVERIFY(!breakers.acquire(kTarget));
        clock.advanceMs(30'000);
        QVERIFY(breakers.acquire(kTarget));
    }

    void zeroFailuresTurnsThemOff()
    {
        core::ManualClock clock;
        CircuitBreakers breakers(BreakerOptions{0, 1000, 100}, clock);
        for (int i = 0; i < 10; ++i)
            breakers.failed(kTarget);
        QVERIFY(breakers.acquire(kTarget));
        QVERIFY(breakers.snapshot().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestCircuitBreaker)
#include "test_circuitbreaker.moc"
