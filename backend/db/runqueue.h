#pragma once

#include "core/async/future.h"
#include "core/error.h"
#include "core/message.h"
#include "core/run.h"

#include <QList>
#include <QString>
#include <QUuid>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// A worker's hold on a claimed run: valid while the row is still `running`, owned by `workerId`,
/// on attempt `attempt`. Every write a worker makes names its lease, so a worker that lost a run
/// (its lease expired and the run was recovered) can no longer change it.
struct RunLease
{
    qint64 id = 0;
    QUuid runId;
    QString workerId;
    int attempt = 0;
};

/// What a heartbeat or a check learnt about one held lease.
struct LeaseState
{
    enum class Kind {
        Held,            ///< still ours, nothing asked
        CancelRequested, ///< still ours, and a cancel was requested: cancel the turn, then markCancelled()
        Lost,            ///< no longer ours (recovered by another process, or deleted): stop, write nothing
    };
    qint64 id = 0;
    Kind kind = Kind::Held;
};

/// How a completed run ended.
struct RunOutput
{
    QString output;
    QUuid conversationId;
    QString provider;
    QString model;
    core::Usage usage;
};

/// The worker side of the `runs` table (migrations/0004_runs.sql): the lease protocol. A worker
/// claims queued runs, renews its leases with heartbeats, finishes each run (complete, fail,
/// markCancelled) or gives it back on a clean stop (release); recoverStale() requeues the runs of
/// workers that died. Safe with any number of workers in any number of processes on one
/// database: a run is claimed by exactly one worker at a time (`FOR UPDATE SKIP LOCKED`), and
/// every write is conditional on the caller's lease. What tenants do with runs (create, get,
/// cancel, list) is RunRepository.
///
/// Inputs are validated before any SQL runs (InvalidArgument naming the field).
/// Thread-safe; futures finish on executor threads, so attach continuations with a context object.
/// Lease times are the database server's clock, so processes on different hosts agree.
class RunQueue
{
public:
    /// Claiming more than this at once is refused.
    static constexpr int kMaxClaim = 64;

    explicit RunQueue(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Claims up to `maxRuns` of the oldest queued runs for `workerId` in one statement: each
    /// becomes running with started_at, heartbeat_at, worker_id set and attempts + 1. Runs locked
    /// by a concurrent claimer are skipped, never claimed twice. An empty list: nothing queued.
    core::Async<QList<core::Run>> claim(const QString &workerId, int maxRuns = 1);
    /// Renews the leases (heartbeat_at = now) and reports each one's state. Leases not reported
    /// Held/CancelRequested are Lost.
    core::Async<QList<LeaseState>> heartbeat(const QList<RunLease> &leases);
    /// Like heartbeat() but read-only: for frequent cancel checks.
    core::Async<QList<LeaseState>> check(const QList<RunLease> &leases);

    /// Finishes the run as completed. Conflict when the lease is no longer held (nothing changed).
    core::Async<core::Run> complete(const RunLease &lease, const RunOutput &output);
    /// Finishes the run as failed with `error`. Conflict when the lease is no longer held.
    core::Async<core::Run> fail(const RunLease &lease, const core::Error &error,
                                const QUuid &conversationId = {});
    /// Finishes the run as cancelled (after a cancel request). Conflict when the lease is no longer held.
    core::Async<core::Run> markCancelled(const RunLease &lease, const QUuid &conversationId = {});
    /// Gives runs back after a clean stop: each held one is queued again without counting the
    /// attempt (or cancelled, if a cancel was requested meanwhile). Returns how many were released.
    core::Async<int> release(const QList<RunLease> &leases);

    /// Running runs whose heartbeat is older than `leaseSeconds` (their worker died or lost the
    /// database) go back to the queue; those already claimed `maxAttempts` times are failed
    /// instead (code internal, details.reason "abandoned"), and those with a pending cancel are
    /// cancelled. Safe to run concurrently from several processes. Returns the recovered runs.
    core::Async<QList<core::Run>> recoverStale(int leaseSeconds, int maxAttempts);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db
