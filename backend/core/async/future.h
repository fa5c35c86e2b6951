#pragma once

#include "core/result.h"

#include <QFuture>
#include <QPromise>

namespace agency::core {

/// A QFuture of Result<T>: the asynchronous shape of every fallible backend operation.
template <typename T> using Async = QFuture<Result<T>>;

/// An already-finished future holding `value` (a T or an Error).
template <typename T> Async<T> readyAsync(Result<T> value)
{
    QPromise<Result<T>> promise;
    promise.start();
    promise.addResult(std::move(value));
    promise.finish();
    return promise.future();
}

template <typename T> Async<T> failedAsync(Error error)
{
    return readyAsync<T>(Result<T>(std::move(error)));
}

} // namespace agency::core
