#pragma once

#include "core/clock.h"
#include "core/route.h"

#include <QHash>
#include <QList>
#include <QMutex>

namespace agency::llm {

/// When a breaker opens and how long it stays open (LLM_BREAKER_*).
struct BreakerOptions
{
    int failures = 5; ///< failures within windowMs that open it (0: breakers off)
    qint64 windowMs = 60'000;
    qint64 cooldownMs = 30'000; ///< open this long, then one trial call (half-open)
};

/// One circuit breaker per provider+model (docs/design.md#providers), per process: `failures`
/// failed attempts within `windowMs` open it, and the router then skips the target at once. After
/// `cooldownMs` (or a longer Retry-After) it is half-open: exactly one trial call goes through;
/// success closes it, failure opens it again for another cool-down.
///
/// Thread safety: every method may be called from any thread (one mutex).
class CircuitBreakers
{
public:
    CircuitBreakers(BreakerOptions options, const core::Clock &clock);

    /// Whether a call to `target` may go now. True for a closed breaker; for an open one past its
    /// cool-down, true once (the trial) and it becomes half-open. Every true must be followed by
    /// succeeded(), failed() or abandoned() for the same target.
    bool acquire(const core::RouteTarget &target);
    void succeeded(const core::RouteTarget &target);
    /// A failure that says the target is unwell. `openAtLeastMs` (a 429's Retry-After) keeps a
    /// breaker that opens now open at least that long.
    void failed(const core::RouteTarget &target, qint64 openAtLeastMs = 0);
    /// The call ended without saying anything about the target's health (cancelled, a request
    /// error): a half-open trial may be made again.
    void abandoned(const core::RouteTarget &target);

    /// Every breaker that has seen a failure, sorted by provider and model.
    QList<core::BreakerStatus> snapshot() const;
    const BreakerOptions &options() const { return m_options; }

private:
    enum class State { Closed, Open, HalfOpen };
    struct Entry
    {
        State state = State::Closed;
        QList<qint64> failures; ///< monotonic ms of recent failures (closed)
        qint64 openUntil = 0;
        bool trialInFlight = false;
    };
    void prune(Entry &entry, qint64 now) const;

    BreakerOptions m_options;
    const core::Clock &m_clock;
    mutable QMutex m_mutex;
    QHash<QString, Entry> m_entries;
    QHash<QString, core::RouteTarget> m_targets;
};

} // namespace agency::llm
