#pragma once

#include <QFuture>
#include <QFutureWatcher>
#include <QObject>

#include <utility>

namespace agency::core {

/// Runs `onResult(result)` on `context`'s thread once `future` finishes, or `onNoResult()` when it
/// finishes without a result (cancelled or abandoned by its producer). Neither runs once `context`
/// is destroyed, and both always run from the event loop, never inside this call, even when
/// `future` has finished already (so a caller is never re-entered, e.g. a model in fetchMore()).
///
/// Why not QFuture::then(context, …): Qt 6.4 asserts when that context is destroyed before the
/// future finishes (a window closed while its query runs, a worker destroyed with database calls
/// in flight). This is the one place that works around it (see docs/design.md#threading).
///
/// Call it on `context`'s thread. Returns the object that carries the wait, a child of `context`:
/// deleting it abandons the wait (neither callback runs).
template <typename T, typename OnResult, typename OnNoResult>
QObject *whenFinished(QObject *context, const QFuture<T> &future, OnResult onResult, OnNoResult onNoResult)
{
    auto *watcher = new QFutureWatcher<T>(context);
    QObject::connect(watcher, &QFutureWatcherBase::finished, watcher,
                     [watcher, onResult = std::move(onResult), onNoResult = std::move(onNoResult)]() mutable {
                         watcher->deleteLater();
                         const QFuture<T> done = watcher->future();
                         // Moved out first: a callback may destroy `context`, and with it this lambda.
                         if (done.resultCount() > 0) {
                             auto step = std::move(onResult);
                             step(done.result());
                         } else {
                             auto step = std::move(onNoResult);
                             step();
                         }
                     });
    watcher->setFuture(future);
    return watcher;
}

/// As above, when a future that ends without a result needs no answer.
template <typename T, typename OnResult>
QObject *whenFinished(QObject *context, const QFuture<T> &future, OnResult onResult)
{
    return whenFinished(context, future, std::move(onResult), [] {});
}

} // namespace agency::core
