#pragma once

#include <QElapsedTimer>
#include <QEvent>
#include <QObject>
#include <QTimer>

#include <functional>

namespace agency::bench {

/// Measures how long the GUI thread's event loop goes without turning: a 1 ms timer that records
/// the longest gap between two of its ticks. Work that blocks the loop (a long paint, a document
/// rebuilt on every update) shows up as a gap; an idle loop ticks about every millisecond.
class StallMonitor : public QObject
{
public:
    StallMonitor()
    {
        m_tick.setTimerType(Qt::PreciseTimer);
        m_tick.setInterval(1);
        connect(&m_tick, &QTimer::timeout, this, [this] {
            const qint64 now = m_clock.nsecsElapsed();
            const qint64 gap = now - m_last;
            m_longestNs = std::max(m_longestNs, gap);
            if (gap > 16'000'000)
                ++m_over16;
            m_last = now;
        });
    }

    void start()
    {
        m_longestNs = 0;
        m_over16 = 0;
        m_clock.start();
        m_last = 0;
        m_tick.start();
    }
    /// Stops measuring; the longest gap in milliseconds.
    double stop()
    {
        m_tick.stop();
        // The gap still open counts too (the loop may be blocked right now).
        m_longestNs = std::max(m_longestNs, m_clock.nsecsElapsed() - m_last);
        return static_cast<double>(m_longestNs) / 1e6;
    }
    /// Gaps longer than a 60 Hz frame (16 ms) in the last measurement.
    int framesMissed() const { return m_over16; }

private:
    QTimer m_tick;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_longestNs = 0;
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
