#pragma once

#include <QCoreApplication>
#include <QPointer>

#include <type_traits>
#include <utility>

namespace agency::ui {

/// Wraps a future continuation so it runs only while `context` is alive. Use it as
/// `future.then(qApp, guarded(this, fn))`: Qt 6.4's QFuture::then(context, …) asserts when its
/// context is destroyed before the future finishes (a window closed while a query runs), so the
/// application object, which outlives every window, carries the continuation to the GUI thread
/// and this QPointer decides whether it still applies. The continuation always runs from the
/// event loop, never inside the call that attached it.
namespace detail {
// The parameter type of a one-argument lambda: QFuture::then() picks its overload from it.
template <typename F> struct ArgumentOf : ArgumentOf<decltype(&F::operator())>
{
};
template <typename C, typename R, typename A> struct ArgumentOf<R (C::*)(A) const>
{
    using type = A;
};
template <typename C, typename R, typename A> struct ArgumentOf<R (C::*)(A)>
{
    using type = A;
};
} // namespace detail

template <typename Fn> auto guarded(QObject *context, Fn fn)
{
    using Argument = typename detail::ArgumentOf<Fn>::type;
    using Value = std::decay_t<Argument>;
    return [guard = QPointer<QObject>(context), fn = std::move(fn)](Argument value) mutable {
        // Always a fresh event: a future that finished before then() was attached would otherwise
        // run this inside the caller (e.g. inside a model's fetchMore() during an insertion).
        QMetaObject::invokeMethod(
            qApp,
            [guard, fn, copy = Value(value)]() mutable {
                if (guard)
                    fn(copy);
            },
            Qt::QueuedConnection);
    };
}

} // namespace agency::ui
