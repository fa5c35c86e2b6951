#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/async/whenfinished.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QRandomGenerator>
#include <QTimer>

#include <functional>
#include <memory>

namespace agency::core {

/// How a turn's database steps survive outages (see docs/design.md#persistence): an attempt that
/// fails with DatabaseUnavailable (connection lost, server restarting, statement timeout) or that
/// does not answer within `attemptTimeoutMs` is tried again with backoff, until `retryMs` have
/// passed since the first attempt. Steps must be idempotent (the repository's turn writes are).
struct DbRetryPolicy
{
    int retryMs = 10'000;
    int attemptTimeoutMs = 20'000;
};

/// Runs `attempt()` under `policy` and calls `done` once with the first success, the first error
/// that is not about availability, the last availability error when time ran out, or Cancelled
/// as soon as `cancel` (optional) fires: a step stuck on a hung server never holds up a cancel.
/// Both run on `context`'s thread and never after `context` is destroyed. Abandoned attempts
/// (timed out) keep running in the executor but their results are ignored.
template <typename T>
void retryDatabaseStep(QObject *context, DbRetryPolicy policy, std::function<Async<T>()> attempt,
                       std::function<void(const Result<T> &)> done, CancelTokenPtr cancel = {})
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
        // Carries this attempt's wait, timer and cancel hook: deleting it abandons the attempt.
        auto *scope = new QObject(guard.data());
        auto settle = [self, generation, policy, done, scope, guard, cancel](Result<T> result) {
            if (generation != self->generation)
                return; // a later attempt owns the step now
            ++self->generation;
            scope->deleteLater();
            if (cancel && cancel->isCancelled() && !result)
                result = makeError(ErrorCode::Cancelled, QStringLiteral("the turn was cancelled"));
            const bool unavailable = !result && result.error().code == ErrorCode::DatabaseUnavailable;
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
        auto *timer = new QTimer(scope);
        timer->setSingleShot(true);
        QObject::connect(timer, &QTimer::timeout, scope, [settle, policy] {
            settle(makeError(
                ErrorCode::DatabaseUnavailable,
                QStringLiteral("the database did not answer within %1 ms").arg(policy.attemptTimeoutMs)));
        });
        if (cancel) {
            cancel->onCancel(scope, [settle] {
                settle(makeError(ErrorCode::Cancelled, QStringLiteral("the turn was cancelled")));
            });
        }
        timer->start(policy.attemptTimeoutMs);
        whenFinished(
            scope, attempt(), [settle](const Result<T> &result) { settle(result); },
            [settle] {
                settle(makeError(ErrorCode::DatabaseUnavailable,
                                 QStringLiteral("the database step was abandoned")));
            });
    };
    state->next();
    // The pending attempt's callbacks hold the state from here on.
}

} // namespace agency::core
