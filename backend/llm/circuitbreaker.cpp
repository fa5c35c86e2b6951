#include "circuitbreaker.h"

#include <QMutexLocker>

#include <algorithm>

namespace agency::llm {

CircuitBreakers::CircuitBreakers(BreakerOptions options, const core::Clock &clock)
    : m_options(options), m_clock(clock)
{
}

void CircuitBreakers::prune(Entry &entry, qint64 now) const
{
    while (!entry.failures.isEmpty() && entry.failures.first() <= now - m_options.windowMs)
        entry.failures.removeFirst();
}

bool CircuitBreakers::acquire(const core::RouteTarget &target)
{
    if (m_options.failures <= 0)
        return true;
    QMutexLocker lock(&m_mutex);
    auto it = m_entries.find(target.key());
    if (it == m_entries.end())
        return true;
    Entry &entry = *it;
    const qint64 now = m_clock.monotonicMs();
    switch (entry.state) {
    case State::Closed:
        return true;
    case State::Open:
        if (now < entry.openUntil)
            return false;
        entry.state = State::HalfOpen;
        entry.trialInFlight = true;
        return true;
    case State::HalfOpen:
        if (entry.trialInFlight)
            return false;
        entry.trialInFlight = true;
        return true;
    }
    return true;
}

void CircuitBreakers::succeeded(const core::RouteTarget &target)
{
    if (m_options.failures <= 0)
        return;
    QMutexLocker lock(&m_mutex);
    auto it = m_entries.find(target.key());
    if (it == m_entries.end())
        return;
    *it = Entry{};
}

void CircuitBreakers::failed(const core::RouteTarget &target, qint64 openAtLeastMs)
{
    if (m_options.failures <= 0)
        return;
    QMutexLocker lock(&m_mutex);
    const QString key = target.key();
    m_targets.insert(key, target);
    Entry &entry = m_entries[key];
    const qint64 now = m_clock.monotonicMs();
    const qint64 openFor = std::max(m_options.cooldownMs, openAtLeastMs);
    if (entry.state == State::HalfOpen) {
        // The trial failed: another cool-down.
        entry.state = State::Open;
        entry.trialInFlight = false;
        entry.openUntil = now + openFor;
        return;
    }
    if (entry.state == State::Open) // a call admitted before it opened
        return;
    prune(entry, now);
    entry.failures.append(now);
    if (entry.failures.size() >= m_options.failures) {
        entry.state = State::Open;
        entry.openUntil = now + openFor;
        entry.failures.clear();
    }
}

void CircuitBreakers::abandoned(const core::RouteTarget &target)
{
    QMutexLocker lock(&m_mutex);
    auto it = m_entries.find(target.key());
    if (it != m_entries.end() && it->state == State::HalfOpen)
        it->trialInFlight = false;
}

QList<core::BreakerStatus> CircuitBreakers::snapshot() const
{
    QMutexLocker lock(&m_mutex);
    const qint64 now = m_clock.monotonicMs();
    QList<core::BreakerStatus> list;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        const core::RouteTarget target = m_targets.value(it.key());
        core::BreakerStatus status;
        status.provider = target.provider;
        status.model = target.model;
        Entry entry = *it;
        prune(entry, now);
        status.recentFailures = static_cast<int>(entry.failures.size());
        if (entry.state == State::Closed) {
            status.state = QStringLiteral("closed");
        } else if (entry.state == State::HalfOpen || now >= entry.openUntil) {
            status.state = QStringLiteral("half_open");
        } else {
            status.state = QStringLiteral("open");
            status.retryInMs = entry.openUntil - now;
        }
        list.append(status);
    }
    std::sort(list.begin(), list.end(), [](const core::BreakerStatus &a, const core::BreakerStatus &b) {
        return std::tie(a.provider, a.model) < std::tie(b.provider, b.model);
    });
    return list;
}

} // namespace agency::llm
