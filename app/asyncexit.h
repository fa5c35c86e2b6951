#pragma once

#include "core/async/future.h"

#include <QCoreApplication>
#include <QFutureWatcher>

namespace agency::app {

/// Runs the event loop until `future` finishes, then returns what `onResult` makes of its result
/// (an exit code). For one-shot commands that call AgencyService once and print the answer.
template <typename T, typename OnResult> int exitWhenDone(core::Async<T> future, OnResult onResult)
{
    QFutureWatcher<core::Result<T>> watcher;
    QObject::connect(&watcher, &QFutureWatcherBase::finished, &watcher,
                     [&watcher, &onResult] { QCoreApplication::exit(onResult(watcher.result())); });
    // The watcher reports even an already finished future through the event loop, so the exit()
    // above always happens inside exec().
    watcher.setFuture(future);
    return QCoreApplication::exec();
}

} // namespace agency::app
