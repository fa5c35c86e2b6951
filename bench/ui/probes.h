#pragma once

#include <QElapsedTimer>
#include <QEvent>
#include <QObject>
#include <QTimer>

#include <ctime>
#include <functional>

namespace agency::bench {

/// Measures how long the GUI thread's event loop goes without turning: a 1 ms timer that records
/// the longest gap between two of its ticks. Work that blocks the loop (a long paint, a document
/// rebuilt on every update) shows up as a gap; an idle loop ticks about every millisecond. The
/// GUI thread's CPU time within the longest gap tells its own work from time the machine gave to
/// other processes (on a busy machine a gap can be mostly waiting for a core).
class StallMonitor : public QObject
{
public:
    StallMonitor()
    {
        m_tick.setTimerType(Qt::PreciseTimer);
        m_tick.setInterval(1);
        connect(&m_tick, &QTimer::timeout, this, [this] { record(); });
    }

    void start()
    {
        m_longestNs = 0;
        m_longestCpuNs = 0;
        m_over16 = 0;
        m_clock.start();
        m_last = 0;
        m_lastCpu = threadCpuNs();
        m_tick.start();
    }
    /// Stops measuring; the longest gap in milliseconds.
    double stop()
    {
        m_tick.stop();
        record(); // the gap still open counts too (the loop may be blocked right now)
        return static_cast<double>(m_longestNs) / 1e6;
    }
    /// The GUI thread's CPU time during the longest gap, in milliseconds.
    double longestBusyMs() const { return static_cast<double>(m_longestCpuNs) / 1e6; }
    /// Gaps longer than a 60 Hz frame (16 ms) in the last measurement.
    int framesMissed() const { return m_over16; }

private:
    static qint64 threadCpuNs()
    {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return qint64{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
    }
    void record()
    {
        const qint64 now = m_clock.nsecsElapsed();
        const qint64 cpu = threadCpuNs();
        const qint64 gap = now - m_last;
        if (gap > m_longestNs) {
            m_longestNs = gap;
            m_longestCpuNs = cpu - m_lastCpu;
        }
        if (gap > 16'000'000)
            ++m_over16;
        m_last = now;
        m_lastCpu = cpu;
    }

    QTimer m_tick;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastCpu = 0;
    qint64 m_longestNs = 0;
    qint64 m_longestCpuNs = 0;
    int m_over16 = 0;
};

/// Calls `seen` for every event of `type` delivered to the watched object (before it is handled).
class EventProbe : public QObject
{
public:
    EventProbe(QObject *watched, QEvent::Type type, std::function<void()> seen)
        : m_type(type), m_seen(std::move(seen))
    {
        watched->installEventFilter(this);
    }

protected:
    bool eventFilter(QObject *, QEvent *event) override
    {
        if (event->type() == m_type)
            m_seen();
        return false;
    }

private:
    QEvent::Type m_type;
    std::function<void()> m_seen;
};

} // namespace agency::bench
