#pragma once

#include "core/async/future.h"

#include <QPromise>

#include <memory>

namespace agency::core {

/// A copyable handle on a QPromise<Result<T>> that is fulfilled at most once. Copies share the
/// promise, so a handle can be captured by several std::function callbacks. When the last handle
/// goes away unfulfilled (e.g. its owner was destroyed mid-call) the future finishes with
/// ErrorCode::Cancelled, so a caller's future never hangs nor ends without a result.
/// Not thread-safe: use it on one thread (the provider's).
template <typename T> class ResultPromise
{
public:
    ResultPromise() : m_state(std::make_shared<State>()) {}

    Async<T> future() const { return m_state->promise.future(); }
    bool isDone() const { return m_state->done; }

    /// Fulfils the promise; later calls are ignored.
    void finish(Result<T> result) const { m_state->finish(std::move(result)); }

private:
    struct State
    {
        QPromise<Result<T>> promise;
        bool done = false;

        State() { promise.start(); }
        ~State()
        {
            if (!done)
                finish(makeError(ErrorCode::Cancelled, QStringLiteral("the call was abandoned")));
        }
        void finish(Result<T> result)
        {
            if (done)
                return;
            done = true;
            promise.addResult(std::move(result));
            promise.finish();
        }
    };
    std::shared_ptr<State> m_state;
};

} // namespace agency::core
