#include "runworker.h"

#include "core/async/whenfinished.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QSysInfo>

#include <algorithm>

namespace agency::flows {

Q_LOGGING_CATEGORY(lcRuns, "agency.runs")

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr int kRecordAttempts = 5;      ///< tries to record an outcome while the database is unreachable
constexpr int kRecordRetryBaseMs = 200; ///< doubled after each failed try

QString defaultWorkerId()
{
    return QStringLiteral("%1:%2:%3")
        .arg(QSysInfo::machineHostName())
        .arg(QCoreApplication::applicationPid())
        .arg(QRandomGenerator::system()->generate(), 8, 16, QLatin1Char('0'));
}

} // namespace

/// One run this worker holds.
struct RunWorker::Active
{
    core::Run run;
    db::RunLease lease;
    core::CancelTokenPtr cancel = core::CancelToken::create();
    QUuid conversationId; ///< learnt from the turn's events, so a failed run still points at it
    Interruption interruption = Interruption::None;
    bool recording = false; ///< the turn ended; its outcome is being written
    QString answer;         ///< the turn's answer, once it succeeded (empty while it waits for approval)
    std::function<core::Async<QString>()> writeOutcome; ///< set when the turn ends; retried as a whole
};

RunWorker::RunWorker(db::RunQueue &runs, TurnEngine &engine, RunWorkerOptions options, QObject *parent)
    : QObject(parent), m_runs(runs), m_engine(engine), m_options(std::move(options))
{
    if (m_options.workerId.isEmpty())
        m_options.workerId = defaultWorkerId();
    m_options.slots = std::clamp(m_options.slots, 0, db::RunQueue::kMaxClaim);
    m_options.pollMs = std::max(m_options.pollMs, 10);
    m_options.leaseSeconds = std::max(m_options.leaseSeconds, 1);
    m_options.maxAttempts = std::max(m_options.maxAttempts, 1);
    const int leaseMs = m_options.leaseSeconds * 1000;
    m_pollTimer.setInterval(m_options.pollMs);
    // Three heartbeats per lease: one late or lost heartbeat does not lose the run.
    m_heartbeatTimer.setInterval(std::max(leaseMs / 3, 100));
    m_recoverTimer.setInterval(std::max(leaseMs / 2, 500));
    connect(&m_pollTimer, &QTimer::timeout, this, [this] {
        tryClaim();
        checkCancels();
    });
    connect(&m_heartbeatTimer, &QTimer::timeout, this, &RunWorker::heartbeat);
    connect(&m_recoverTimer, &QTimer::timeout, this, &RunWorker::recover);
}

RunWorker::~RunWorker()
{
    if (!m_started || m_active.isEmpty())
        return;
    // No event loop turn is left to await the turns: cancel them and give their runs back now.
    // The release is queued on the executor; if the program exits before it runs, the leases
    // simply expire and the runs are recovered at the next start (or by another process).
    QList<db::RunLease> held;
    for (const auto &active : std::as_const(m_active)) {
        active->cancel->cancel();
        if (!active->recording)
            held.append(active->lease);
    }
    if (!held.isEmpty())
        m_runs.release(held);
}

void RunWorker::start()
{
    if (m_started || m_options.slots == 0)
        return;
    m_started = true;
    m_stopping = false;
    m_stopPromise.reset();
    qCInfo(lcRuns).noquote() << "run worker" << m_options.workerId << "started with" << m_options.slots
                             << "slots";
    m_pollTimer.start();
    m_heartbeatTimer.start();
    m_recoverTimer.start();
    // Recover first, so runs a crashed process left behind are claimable by the first claim.
    recover();
}

QFuture<void> RunWorker::stop()
{
    if (m_stopPromise)
        return m_stopPromise->future();
    m_stopPromise = std::make_shared<QPromise<void>>();
    m_stopPromise->start();
    auto future = m_stopPromise->future();
    if (!m_started) {
        m_stopPromise->finish();
        return future;
    }
    m_stopping = true;
    m_pollTimer.stop();
    m_recoverTimer.stop();
    // The heartbeat keeps running until every held run is recorded or released.
    for (const auto &active : std::as_const(m_active))
        interrupt(active, Interruption::Stopping);
    maybeFinishStop();
    return future;
}

void RunWorker::wake()
{
    tryClaim();
}

void RunWorker::requestCancel(const QUuid &runId)
{
    for (const auto &active : std::as_const(m_active)) {
        if (active->run.runId == runId)
            interrupt(active, Interruption::CancelRequested);
    }
}

void RunWorker::notify(const core::Async<core::Run> &change)
{
    core::whenFinished(this, change, [this](const Result<core::Run> &run) {
        if (!run)
            return;
        if (run->status == core::RunStatus::Queued)
            wake();
        else if (run->status == core::RunStatus::Running && run->cancelRequested)
            requestCancel(run->runId);
    });
}

void RunWorker::recover()
{
    if (!m_started || m_stopping || m_recovering)
        return;
    m_recovering = true;
    core::whenFinished(this, m_runs.recoverStale(m_options.leaseSeconds, m_options.maxAttempts),
                       [this](const Result<QList<core::Run>> &recovered) {
                           m_recovering = false;
                           if (!recovered) {
                               qCWarning(lcRuns).noquote()
                                   << "stale run recovery failed:" << recovered.error().toString();
                           } else if (!recovered->isEmpty()) {
                               for (const core::Run &run : recovered.value()) {
                                   qCInfo(lcRuns).noquote()
                                       << "recovered run" << run.runId.toString(QUuid::WithoutBraces)
                                       << "(attempt" << run.attempts
                                       << "):" << core::runStatusName(run.status);
                               }
                               Q_EMIT runsRecovered(static_cast<int>(recovered->size()));
                           }
                           tryClaim();
                       });
}

void RunWorker::tryClaim()
{
    if (!m_started || m_stopping || m_claiming)
        return;
    const int free = m_options.slots - static_cast<int>(m_active.size());
    if (free <= 0)
        return;
    m_claiming = true;
    core::whenFinished(
        this, m_runs.claim(m_options.workerId, free), [this, free](const Result<QList<core::Run>> &claimed) {
            m_claiming = false;
            if (!claimed) {
                qCWarning(lcRuns).noquote() << "claiming runs failed:" << claimed.error().toString();
                maybeFinishStop();
                return;
            }
            if (m_stopping) {
                // Claimed while stop() was in progress: give them straight back.
                QList<db::RunLease> leases;
                for (const core::Run &run : claimed.value())
                    leases.append(db::RunLease{run.id, run.runId, m_options.workerId, run.attempts});
                ++m_pendingReleases;
                core::whenFinished(this, m_runs.release(leases), [this](const Result<int> &) {
                    --m_pendingReleases;
                    maybeFinishStop();
                });
                return;
            }
            for (const core::Run &run : claimed.value())
                execute(run);
            // A full batch suggests more are waiting; slots freed meanwhile can take them now.
            if (claimed->size() == free)
                tryClaim();
        });
}

void RunWorker::execute(const core::Run &run)
{
    auto active = std::make_shared<Active>();
    active->run = run;
    active->lease = db::RunLease{run.id, run.runId, m_options.workerId, run.attempts};
    m_active.insert(run.id, active);
    qCInfo(lcRuns).noquote() << "run" << run.runId.toString(QUuid::WithoutBraces) << "started: tenant"
                             << run.tenantId << "flow" << run.flowType << "attempt" << run.attempts;
    Q_EMIT runStarted(run.runId);

    core::TurnRequest request;
    request.tenantId = run.tenantId;
    request.flowType = run.flowType;
    request.message = run.input;
    request.route = m_options.route;
    request.provider = run.provider;
    request.model = run.model;
    request.cancel = active->cancel;
    std::weak_ptr<Active> weak = active;
    auto turn = m_engine.run(request, [weak](const core::TurnEvent &event) {
        if (auto held = weak.lock(); held && !event.conversationId.isNull())
            held->conversationId = event.conversationId;
    });
    core::whenFinished(this, turn, [this, active](const Result<core::TurnResult> &result) {
        onTurnFinished(active, result);
    });
}

void RunWorker::onTurnFinished(const std::shared_ptr<Active> &active, const Result<core::TurnResult> &result)
{
    active->recording = true;
    db::RunQueue *runs = &m_runs;
    const db::RunLease lease = active->lease;
    const QUuid conversationId = active->conversationId;
    auto statusOf = [](const Result<core::Run> &run) -> Result<QString> {
        if (!run)
            return run.error();
        return core::runStatusName(run->status);
    };
    if (result) {
        // A turn that paused for approval has no answer yet, only the words saying it waits: the
        // run completes with them, but nothing takes them for the answer.
        if (result->approvals.isEmpty())
            active->answer = result->content;
        const db::RunOutput output{result->content, result->conversationId, result->provider, result->model,
                                   result->usage};
        active->writeOutcome = [runs, lease, output, statusOf] {
            return runs->complete(lease, output).then(statusOf);
        };
    } else if (result.error().code == ErrorCode::Cancelled &&
               active->interruption == Interruption::LeaseLost) {
        finishActive(active, QStringLiteral("lost"));
        return;
    } else if (result.error().code == ErrorCode::Cancelled &&
               active->interruption == Interruption::Stopping) {
        active->writeOutcome = [runs, lease] {
            return runs->release({lease}).then([](const Result<int> &released) -> Result<QString> {
                if (!released)
                    return released.error();
                return released.value() == 1 ? QStringLiteral("queued") : QStringLiteral("lost");
            });
        };
    } else if (result.error().code == ErrorCode::Cancelled &&
               active->interruption == Interruption::CancelRequested) {
        active->writeOutcome = [runs, lease, conversationId, statusOf] {
            return runs->markCancelled(lease, conversationId).then(statusOf);
        };
    } else {
        const core::Error error = result.error();
        active->writeOutcome = [runs, lease, error, conversationId, statusOf] {
            return runs->fail(lease, error, conversationId).then(statusOf);
        };
    }
    record(active, 1);
}

void RunWorker::record(const std::shared_ptr<Active> &active, int attempt)
{
    core::whenFinished(this, active->writeOutcome(), [this, active, attempt](const Result<QString> &written) {
        if (written) {
            finishActive(active, written.value());
            return;
        }
        const core::Error &error = written.error();
        if (error.code == ErrorCode::DatabaseUnavailable && attempt < kRecordAttempts) {
            QTimer::singleShot(kRecordRetryBaseMs << (attempt - 1), this,
                               [this, active, attempt] { record(active, attempt + 1); });
            return;
        }
        // Conflict: the lease was lost meanwhile (another process recovered the run). Otherwise
        // the run stays running under our id; its lease expires and it is recovered.
        qCWarning(lcRuns).noquote() << "could not record the outcome of run"
                                    << active->run.runId.toString(QUuid::WithoutBraces) << ":"
                                    << error.toString();
        finishActive(active, QStringLiteral("lost"));
    });
}

void RunWorker::finishActive(const std::shared_ptr<Active> &active, const QString &status)
{
    m_active.remove(active->lease.id);
    qCInfo(lcRuns).noquote() << "run" << active->run.runId.toString(QUuid::WithoutBraces) << status;
    Q_EMIT runFinished(active->run.runId, status);
    if (status == QLatin1String("completed"))
        Q_EMIT runAnswered(active->run.runId, active->run.tenantId, active->run.flowType, active->answer);
    if (m_stopping)
        maybeFinishStop();
    else
        tryClaim();
}

QList<db::RunLease> RunWorker::leases() const
{
    QList<db::RunLease> held;
    for (const auto &active : m_active)
        held.append(active->lease);
    return held;
}

void RunWorker::heartbeat()
{
    if (m_active.isEmpty() || m_heartbeating)
        return;
    m_heartbeating = true;
    core::whenFinished(this, m_runs.heartbeat(leases()), [this](const Result<QList<db::LeaseState>> &states) {
        m_heartbeating = false;
        applyLeaseStates(states);
    });
}

void RunWorker::checkCancels()
{
    if (m_active.isEmpty() || m_checking)
        return;
    m_checking = true;
    core::whenFinished(this, m_runs.check(leases()), [this](const Result<QList<db::LeaseState>> &states) {
        m_checking = false;
        applyLeaseStates(states);
    });
}

void RunWorker::applyLeaseStates(const Result<QList<db::LeaseState>> &states)
{
    if (!states) {
        qCWarning(lcRuns).noquote() << "run lease check failed:" << states.error().toString();
        return;
    }
    for (const db::LeaseState &state : states.value()) {
        // The run may have ended (and been recorded) since the query was sent.
        const auto active = m_active.value(state.id);
        if (!active || active->recording)
            continue;
        if (state.kind == db::LeaseState::Kind::CancelRequested) {
            interrupt(active, Interruption::CancelRequested);
        } else if (state.kind == db::LeaseState::Kind::Lost) {
            qCWarning(lcRuns).noquote()
                << "lost the lease of run" << active->run.runId.toString(QUuid::WithoutBraces)
                << "(recovered elsewhere or deleted); cancelling its turn";
            interrupt(active, Interruption::LeaseLost);
        }
    }
}

void RunWorker::interrupt(const std::shared_ptr<Active> &active, Interruption why)
{
    if (active->recording)
        return;
    // A lost lease overrides everything (nothing may be written); otherwise the first reason wins,
    // except that a stop turns into a cancel when a cancel was requested first.
    if (active->interruption == Interruption::None || why == Interruption::LeaseLost)
        active->interruption = why;
    active->cancel->cancel();
}

void RunWorker::maybeFinishStop()
{
    if (!m_stopping || !m_active.isEmpty() || m_claiming || m_pendingReleases > 0)
        return;
    m_heartbeatTimer.stop();
    m_started = false;
    m_stopping = false;
    qCInfo(lcRuns).noquote() << "run worker" << m_options.workerId << "stopped";
    if (m_stopPromise)
        m_stopPromise->finish();
}

} // namespace agency::flows
