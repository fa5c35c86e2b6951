#pragma once

#include "core/async/future.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTest>

namespace agency::test {

/// Waits for `future` while processing events (so servers and clients on this thread keep running)
/// and returns its result. A timeout yields an Internal error saying so. Never sleeps the thread.
template <typename T> core::Result<T> await(const core::Async<T> &future, int timeoutMs = 30000)
{
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, timeoutMs))
        return core::makeError(core::ErrorCode::Internal,
                               QStringLiteral("test timed out waiting for a future"));
    return future.result();
}

/// The same as await(), under the name the provider tests use.
template <typename T> core::Result<T> awaitFuture(const core::Async<T> &future, int timeoutMs = 30000)
{
    return await(future, timeoutMs);
}

/// Delivers every event already on its way to this thread (queued signals and calls, posted
/// events, deferred deletes) until none is left, without waiting for new ones. After it, anything
/// that was caused by what happened before has happened: an absence checked then is a real one.
inline void drainEvents()
{
    QEventLoop loop;
    for (int round = 0; round < 1000; ++round) {
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        if (!loop.processEvents(QEventLoop::AllEvents))
            return;
    }
}

} // namespace agency::test

/// QVERIFY that a Result is ok, printing its error otherwise. (Qt 6.4's QVERIFY2 evaluates its
/// message even on success, and error() of a successful Result<T> throws, hence the guard.)
#define AGENCY_VERIFY_OK(expr)                                                                               \
    do {                                                                                                     \
        const auto &agencyResult_ = (expr);                                                                  \
        QVERIFY2(agencyResult_.ok(),                                                                         \
                 agencyResult_.ok() ? "" : qPrintable(agencyResult_.error().toString()));                    \
    } while (false)

/// Declares `var` as the value of the Result `expr`; when `expr` failed, fails the test with its
/// error and returns from the test function. For helpers that fetch data a test then checks: the
/// error never turns into a default value that the checks could mistake for the real thing.
#define AGENCY_ASSIGN_OK(var, expr)                                                                          \
    auto var##Result_ = (expr);                                                                              \
    AGENCY_VERIFY_OK(var##Result_);                                                                          \
    auto var = std::move(var##Result_).value()

/// QCOMPARE of the value of the Result `expr` with `expected`, failing first on an error (a failed
/// query never reads as a count of 0 or -1).
#define AGENCY_COMPARE_OK(expr, expected)                                                                    \
    do {                                                                                                     \
        const auto &agencyCompared_ = (expr);                                                                \
        AGENCY_VERIFY_OK(agencyCompared_);                                                                   \
        QCOMPARE(agencyCompared_.value(), expected);                                                         \
    } while (false)
