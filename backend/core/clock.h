#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QTimeZone>

#include <atomic>

namespace agency::core {

/// Time source, injected so rate limiting, caches and token expiry can be tested without sleeping.
/// Implementations must be safe to call from any thread.
class Clock
{
public:
    virtual ~Clock() = default;
    /// Wall-clock time (UTC), for timestamps and expiry instants.
    virtual QDateTime now() const = 0;
    /// Monotonic milliseconds since an arbitrary origin, for durations and refill arithmetic.
    virtual qint64 monotonicMs() const = 0;
};

class SystemClock final : public Clock
{
public:
    SystemClock() { m_timer.start(); }
    QDateTime now() const override { return QDateTime::currentDateTimeUtc(); }
    qint64 monotonicMs() const override { return m_timer.elapsed(); }

private:
    QElapsedTimer m_timer;
};

/// A clock that only moves when told to. For tests.
class ManualClock final : public Clock
{
public:
    explicit ManualClock(QDateTime start = QDateTime::fromSecsSinceEpoch(1'700'000'000, QTimeZone::utc()))
        : m_start(std::move(start))
    {
    }
    QDateTime now() const override { return m_start.addMSecs(m_ms.load()); }
    qint64 monotonicMs() const override { return m_ms.load(); }
    void advanceMs(qint64 ms) { m_ms += ms; }

private:
    QDateTime m_start;
    std::atomic<qint64> m_ms{0};
};

} // namespace agency::core
