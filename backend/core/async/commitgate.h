#pragma once

#include <QMutex>

#include <memory>

namespace agency::core {

/// Decides, across threads, whether a database write its caller gave up on may still commit
/// (docs/design.md#turn). The caller abandons the write when it stops waiting (a timeout, a
/// cancel); the executor asks the gate right before sending COMMIT and rolls back instead when
/// the write was abandoned. A write whose statement was sent to a server that then froze is
/// therefore never committed later: its transaction ends without COMMIT when the connection is
/// cut. Only a COMMIT already sent when the caller gave up leaves the outcome unknown, and the
/// gate says so. Thread-safe.
class CommitGate
{
public:
    /// The caller gives up. Returns true when the write may nevertheless be stored: its COMMIT
    /// had been sent (answered or not) before.
    bool abandon()
    {
        QMutexLocker lock(&m_mutex);
        m_abandoned = true;
        return m_commitSent;
    }
    /// The executor is about to send COMMIT: false when the caller gave up (roll back instead).
    bool beginCommit()
    {
        QMutexLocker lock(&m_mutex);
        if (m_abandoned)
            return false;
        m_commitSent = true;
        return true;
    }
    bool abandoned() const
    {
        QMutexLocker lock(&m_mutex);
        return m_abandoned;
    }
    /// Whether a COMMIT was sent (its outcome may be unknown).
    bool commitSent() const
    {
        QMutexLocker lock(&m_mutex);
        return m_commitSent;
    }

private:
    mutable QMutex m_mutex;
    bool m_abandoned = false;
    bool m_commitSent = false;
};

using CommitGatePtr = std::shared_ptr<CommitGate>;

} // namespace agency::core
