#pragma once

#include "core/error.h"
#include "core/future.h"
#include "core/message.h"
#include "core/run.h"
#include "records.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QUuid>

#include <optional>

namespace agency::db {

class DbExecutor;

/// Parses a run id given as text (canonical UUID, with or without braces); InvalidArgument naming
/// the field "run_id" otherwise.
core::Result<QUuid> parseRunId(const QString &text);
/// The ErrorCode whose errorCodeName() is `name`; Internal for an unknown name.
core::ErrorCode errorCodeFromName(const QString &name);

/// What a caller asks to run.
struct NewRun
{
    QString tenantId;
    QString flowType;
    QString input;
    QString provider; ///< empty: the flow's provider, else the configured default
    QString model;    ///< empty: the flow's model, else the provider's default
};

/// A tenant's runs, newest first, optionally only one status.
struct RunQuery
{
    QString tenantId;
    std::optional<core::RunStatus> status;
    int limit = 50;
    QString cursor; ///< from a previous page's nextCursor
};

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

/// The `runs` queue (migrations/0004_runs.sql). Tenant-facing methods (create, get, cancel, list)
/// are scoped to one tenant: another tenant's run behaves exactly like one that does not exist.
/// Worker-facing methods (claim, heartbeat, complete, fail, …) are safe with any number of workers
/// in any number of processes on one database: a run is claimed by exactly one worker at a time
/// (`FOR UPDATE SKIP LOCKED`), and writes are conditional on the caller's lease.
///
/// Inputs are validated before any SQL runs (InvalidArgument/PayloadTooLarge naming the field).
/// Thread-safe; futures finish on executor threads, so attach continuations with a context object.
/// Lease times are the database server's clock, so processes on different hosts agree.
class RunRepository
{
public:
    /// Claiming more than this at once is refused.
    static constexpr int kMaxClaim = 64;

    explicit RunRepository(DbExecutor &executor) : m_executor(executor) {}

    /// Queues a run (creating the tenant row on first use). Validates tenant, flow type (format
    /// only: the service checks the flow exists), input (non-empty, at most the message limit),
    /// provider and model names.
    core::Async<core::Run> create(const NewRun &run);
    /// NotFound when absent or another tenant's.
    core::Async<core::Run> get(const QString &tenantId, const QUuid &runId);
    /// A queued run is cancelled at once; a running run is marked cancel-requested (its worker
    /// cancels the turn and then marks it cancelled) and returned still `running`; asking again is
    /// harmless. A finished run: Conflict (details: status). NotFound when absent or another tenant's.
    core::Async<core::Run> cancel(const QString &tenantId, const QUuid &runId);
    /// Keyset-paginated, newest first.
    core::Async<core::Page<core::Run>> list(const RunQuery &query);

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
    DbExecutor &m_executor;
};

} // namespace agency::db
