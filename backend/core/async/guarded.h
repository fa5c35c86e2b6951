#pragma once

#include <QObject>
#include <QPointer>

#include <utility>

namespace agency::core {

/// Wraps `fn` so that calling the wrapper does nothing once `context` has been destroyed: for
/// callback interfaces (a token source's answer, a keychain's) that may answer after the object
/// that asked is gone. The wrapper runs `fn` synchronously, on the caller's thread; it is meant
/// for callbacks that arrive on `context`'s thread. For futures, use whenFinished().
template <typename Fn> auto guarded(QObject *context, Fn fn)
{
    return [guard = QPointer<QObject>(context), fn = std::move(fn)](auto &&...args) {
        if (guard)
            fn(std::forward<decltype(args)>(args)...);
    };
}

} // namespace agency::core
