#pragma once

#include "core/future.h"

#include <QTest>

namespace agency::test {

/// Waits for `future` while processing events (so servers and clients on this thread keep running)
/// and returns its result. A timeout yields an Internal error saying so. Never sleeps the thread.
template <typename T> core::Result<T> awaitFuture(const core::Async<T> &future, int timeoutMs = 30000)
{
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, timeoutMs))
        return core::makeError(core::ErrorCode::Internal,
                               QStringLiteral("test timed out waiting for a future"));
    return future.result();
}

} // namespace agency::test
