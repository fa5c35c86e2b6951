#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "db/runqueue.h"
#include "turnengine.h"

#include <QFuture>
#include <QHash>
#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace agency::flows {

/// How a RunWorker behaves (settings RUN_WORKERS, RUN_POLL_MS, RUN_LEASE_S, RUN_MAX_ATTEMPTS,
/// resolved by the composition root).
struct RunWorkerOptions
{
    int slots = 2;         ///< runs executed at once by this worker; 0 = execute none
    QString route;         ///< RUN_ROUTE: the runs' own route (core::Route text); empty: none
    int pollMs = 1000;     ///< how often to look for queued runs and cancel requests
    int leaseSeconds = 60; ///< a running run whose heartbeat is older than this is recovered
    int maxAttempts = 3;   ///< claims after which a run abandoned again is failed, not requeued
    QString workerId;      ///< empty: "<host>:<pid>:<random>", unique per instance
};

/// The pool that executes queued runs (docs/design.md#runs): up to `slots` runs at once, each as
/// one turn of its flow through the TurnEngine, in a new conversation, with a cancel token.
///
/// Life cycle: start() first recovers stale runs (running runs whose lease expired: left by a
/// process that died), then claims queued runs whenever a slot is free — on a timer every
/// `pollMs`, at once when a run ends, and on wake(). While runs execute it renews their leases
/// (heartbeat every leaseSeconds/3) and checks for cancel requests every poll; recovery repeats
/// every leaseSeconds/2, so runs of a crashed process are picked up by the survivors. Several
/// workers, in one process or many, share one queue safely (see db::RunQueue).
///
/// Outcomes: a successful turn → completed with output, usage and conversation; a failed turn →
/// failed with the turn's error ({code, message}); a cancel request → the turn is cancelled and
/// the run marked cancelled. stop() cancels the running turns and puts their runs back in the
/// queue (the interrupted attempt not counted). If recording an outcome fails because the
/// database is unreachable it is retried a few times; after that the run stays `running` until its
/// lease expires and is then executed again (at-least-once).
///
/// Thread affinity: lives on the event-loop thread of the TurnEngine; call every method there.
/// Continuations never outlive it (a worker destroyed with database calls in flight simply drops
/// their results). Ownership: `runs` and
/// `engine` must outlive the worker. Destroying a running worker cancels its turns and releases
/// their runs best-effort; prefer awaiting stop().
class RunWorker : public QObject
{
    Q_OBJECT

public:
    RunWorker(db::RunQueue &runs, TurnEngine &engine, RunWorkerOptions options, QObject *parent = nullptr);
    ~RunWorker() override;

    /// Starts recovering, polling and executing. Does nothing when already started or slots == 0.
    void start();
    /// Stops claiming, cancels running turns and releases their runs. The future finishes once
    /// every run this worker held is recorded or released (at once when it held none).
    QFuture<void> stop();
    bool isStarted() const { return m_started; }

    /// Claims at once instead of at the next poll.
    void wake();
    /// Cancels the run's turn at once if this worker executes it (the cancel must already be
    /// recorded with db::RunRepository::cancel(), which decides what the run becomes).
    void requestCancel(const QUuid &runId);
    /// Tells the worker about a run this process just created or cancelled: pass the future the
    /// repository returned. Once it finishes, a queued run is claimed at once (no poll delay) and
    /// a running run with a cancel request is cancelled at once if it executes here.
    void notify(const core::Async<core::Run> &change);

    QString workerId() const { return m_options.workerId; }
    const RunWorkerOptions &options() const { return m_options; }
    /// Runs held right now (executing or being recorded).
    int activeRuns() const { return static_cast<int>(m_active.size()); }

Q_SIGNALS:
    /// A run was claimed and its turn started.
    void runStarted(const QUuid &runId);
    /// A run's outcome was recorded: `status` is "completed", "failed", "cancelled", "queued"
    /// (released by stop()), or "lost" (another process took it over; nothing recorded).
    void runFinished(const QUuid &runId, const QString &status);
    /// A run completed and its outcome is recorded; `answer` is its output (for what the
    /// composition root does with answers, such as storing them as documents), empty when the
    /// turn paused for a person's approval.
    void runAnswered(const QUuid &runId, const QString &tenantId, const QString &flowType,
                     const QString &answer);
    /// Stale runs were recovered (requeued, failed or cancelled).
    void runsRecovered(int count);

private:
    /// Why a running turn was cancelled by the worker (decides what is recorded).
    enum class Interruption { None, CancelRequested, Stopping, LeaseLost };
    struct Active;

    void recover();
    void tryClaim();
    void execute(const core::Run &run);
    void onTurnFinished(const std::shared_ptr<Active> &active, const core::Result<core::TurnResult> &result);
    void record(const std::shared_ptr<Active> &active, int attempt);
    void finishActive(const std::shared_ptr<Active> &active, const QString &status);
    void heartbeat();
    void checkCancels();
    void applyLeaseStates(const core::Result<QList<db::LeaseState>> &states);
    QList<db::RunLease> leases() const;
    void interrupt(const std::shared_ptr<Active> &active, Interruption why);
    void maybeFinishStop();

    db::RunQueue &m_runs;
    TurnEngine &m_engine;
    RunWorkerOptions m_options;
    QHash<qint64, std::shared_ptr<Active>> m_active; ///< by run row id
    QTimer m_pollTimer;
    QTimer m_heartbeatTimer;
    QTimer m_recoverTimer;
    bool m_started = false;
    bool m_stopping = false;
    bool m_claiming = false;
    bool m_checking = false;
    bool m_heartbeating = false;
    bool m_recovering = false;
    int m_pendingReleases = 0;
    std::shared_ptr<QPromise<void>> m_stopPromise;
};

} // namespace agency::flows
