#pragma once

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <vector>

namespace agency::core {

/// Cooperative cancellation shared by everything one operation started (provider calls, tool
/// calls, database steps). cancel() may be called from any thread; callbacks registered with
/// onCancel() run on their context object's thread and never after that object is deleted.
class CancelToken
{
public:
    static std::shared_ptr<CancelToken> create() { return std::make_shared<CancelToken>(); }

    void cancel()
    {
        std::vector<std::pair<QPointer<QObject>, std::function<void()>>> callbacks;
        {
            QMutexLocker lock(&m_mutex);
            if (m_cancelled)
                return;
            m_cancelled = true;
            callbacks.swap(m_callbacks);
        }
        for (auto &[context, callback] : callbacks) {
            if (context)
                QMetaObject::invokeMethod(context.data(), std::move(callback), Qt::AutoConnection);
        }
    }

    bool isCancelled() const
    {
        QMutexLocker lock(&m_mutex);
        return m_cancelled;
    }

    /// Runs `callback` on `context`'s thread when cancelled (at once, queued, if already cancelled).
    void onCancel(QObject *context, std::function<void()> callback)
    {
        {
            QMutexLocker lock(&m_mutex);
            if (!m_cancelled) {
                m_callbacks.emplace_back(QPointer<QObject>(context), std::move(callback));
                return;
            }
        }
        QMetaObject::invokeMethod(context, std::move(callback), Qt::QueuedConnection);
    }

private:
    mutable QMutex m_mutex;
    bool m_cancelled = false;
    std::vector<std::pair<QPointer<QObject>, std::function<void()>>> m_callbacks;
};

using CancelTokenPtr = std::shared_ptr<CancelToken>;

} // namespace agency::core
