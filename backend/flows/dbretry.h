#pragma once

#include "core/canceltoken.h"
#include "core/future.h"

#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>

#include <functional>
#include <memory>

namespace agency::flows {

/// How a turn's database steps survive outages (docs/design.md#persistence): an attempt that fails
/// with DatabaseUnavailable (connection lost, server restarting, statement timeout) or that does
/// not answer within `attemptTimeoutMs` is tried again with backoff, until `retryMs` have passed
/// since the first attempt. Steps must be idempotent (the repository's turn writes are).
struct DbRetryPolicy
{
    int retryMs = 10'000;
    int attemptTimeoutMs = 20'000;
};

/// Runs `attempt()` under `policy` and calls `done` once with the first success, the first error
/// that is not about availability, the last availability error when time ran out, or Cancelled
/// as soon as `cancel` (optional) fires: a step stuck on a hung server never holds up a cancel. Both run on
/// `context`'s thread and never after `context` is destroyed. Abandoned attempts (timed out) keep
/// running in the executor but their results are ignored. No QFuture::then(context): in Qt 6.4
/// it asserts when the context dies before the future finishes, which a timed-out step allows.
template <typename T>
void retryDatabaseStep(QObject *context, DbRetryPolicy policy, std::function<core::Async<T>()> attempt,
                       std::function<void(const core::Result<T> &)> done, core::CancelTokenPtr cancel = {})
{
    struct State
    {
        QElapsedTimer since;
        int generation = 0;
        int backoffMs = 100;
        std::function<void()> next;
    };
    auto state = std::make_shared<State>();
    state->since.start();
    QPointer<QObject> guard(context);
    // `next` refers to the state weakly so the state dies with the last pending callback.
    std::weak_ptr<State> weak = state;
    state->next = [weak, guard, policy, attempt, done, cancel]() {
        auto self = weak.lock();
        if (!self || !guard)
            return;
        const int generation = ++self->generation;
        auto *watcher = new QFutureWatcher<core::Result<T>>(guard.data());
        auto *timer = new QTimer(watcher);
        timer->setSingleShot(true);
        auto settle = [self, generation, policy, done, watcher, guard, cancel](core::Result<T> result) {
            if (generation != self->generation)
                return; // a later attempt owns the step now
            ++self->generation;
            watcher->deleteLater();
            if (cancel && cancel->isCancelled() && !result)
                result =
                    core::makeError(core::ErrorCode::Cancelled, QStringLiteral("the turn was cancelled"));
            const bool unavailable = !result && result.error().code == core::ErrorCode::DatabaseUnavailable;
            const qint64 left = policy.retryMs - self->since.elapsed();
            if (!unavailable || left <= 0) {
                self->next = nullptr;
                done(result);
                return;
            }
            const int wait =
                std::min<qint64>(left, self->backoffMs + QRandomGenerator::global()->bounded(50));
            self->backoffMs = std::min(self->backoffMs * 2, 2000);
            QTimer::singleShot(wait, guard.data(), [self] {
                if (self->next)
                    self->next();
            });
        };
        QObject::connect(watcher, &QFutureWatcherBase::finished, watcher, [watcher, settle] {
            const QFuture<core::Result<T>> f = watcher->future();
            if (f.resultCount() > 0)
                settle(f.result());
            else
                settle(core::makeError(core::ErrorCode::DatabaseUnavailable,
                                       QStringLiteral("the database step was abandoned")));
        });
        QObject::connect(timer, &QTimer::timeout, watcher, [settle, policy] {
            settle(core::makeError(
                core::ErrorCode::DatabaseUnavailable,
                QStringLiteral("the database did not answer within %1 ms").arg(policy.attemptTimeoutMs)));
        });
        if (cancel) {
            cancel->onCancel(watcher, [settle] {
                settle(core::makeError(core::ErrorCode::Cancelled, QStringLiteral("the turn was cancelled")));
            });
        }
        timer->start(policy.attemptTimeoutMs);
        watcher->setFuture(attempt());
    };
    state->next();
    // The pending watcher/timer callbacks hold the state from here on.
}

} // namespace agency::flows
