#pragma once

#include "core/result.h"

#include <QString>

namespace agency::sql {

/// The protocol by which processes share one embedded cluster (one data directory), so that
/// initdb runs once, a server another process is about to use is never stopped under it, and the
/// last process out stops the server (docs/design.md#persistence):
///
/// - `aiagency.lock`, held exclusively (flock) around every initdb, start, attach and stop
///   decision, so they happen one process at a time;
/// - `aiagency.users`, on which every process using the server holds a shared flock for as long
///   as it uses it. It registers before it releases the control lock, so a process deciding
///   whether to stop (under the control lock) sees every user, including one that has not
///   connected yet.
///
/// flock locks die with their process, so a process killed with -9 is unregistered by the
/// kernel: the next process to start adopts the orphaned server and, when it is the last one out,
/// stops it. Locks are per open file, so two objects in one process behave like two processes.
/// Not thread-safe; one object per EmbeddedPostgres.
class ClusterLocks
{
public:
    explicit ClusterLocks(QString dataDir);
    ~ClusterLocks();
    ClusterLocks(const ClusterLocks &) = delete;
    ClusterLocks &operator=(const ClusterLocks &) = delete;

    /// Takes the control lock, waiting for another process's step to end.
    core::Status lockControl();
    void unlockControl();

    core::Status registerUser();
    void unregisterUser();
    bool registered() const { return m_userFd >= 0; }
    /// Whether another user is registered. Call holding the control lock, after unregisterUser().
    bool othersRegistered() const;

    /// Appends "<time> pid <pid> <event>" to <dataDir>/lifecycle.log: which process ran initdb,
    /// started, adopted or stopped the server, for operators and tests.
    void note(const QString &event) const;

private:
    QString m_dataDir;
    int m_controlFd = -1;
    int m_userFd = -1;
};

/// Holds the control lock for a scope.
class ControlLockScope
{
public:
    explicit ControlLockScope(ClusterLocks &locks) : m_locks(locks), m_status(locks.lockControl()) {}
    ~ControlLockScope()
    {
        if (m_status)
            m_locks.unlockControl();
    }
    ControlLockScope(const ControlLockScope &) = delete;
    ControlLockScope &operator=(const ControlLockScope &) = delete;
    const core::Status &status() const { return m_status; }

private:
    ClusterLocks &m_locks;
    core::Status m_status;
};

} // namespace agency::sql
