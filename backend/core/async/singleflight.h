#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"

#include <QHash>
#include <QObject>
#include <QPromise>
#include <QString>

#include <algorithm>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace agency::core {

/// Shares one run of an asynchronous lookup among the callers that ask for the same key while it
/// is running ("single flight"): the first caller starts it, later ones wait for its outcome,
/// success and failure alike. Nothing outlives the run: once it finishes, the next caller for
/// that key starts a new one (remembering answers is a cache's job, not this one's).
///
/// Cancellation: a caller's token only lets that caller go (it gets Cancelled at once). The run
/// has its own token, cancelled when its last caller has gone; the key is free again at that
/// moment, so a newcomer starts afresh instead of joining a run that is being torn down.
///
/// Thread affinity: one event-loop thread, `context`'s: call join() there, and the runs' futures
/// must finish there. Ownership: borrows `context`, which must outlive this object; callers
/// still waiting when it is destroyed get Cancelled.
template <typename T> class SingleFlight
{
public:
    using Run = std::function<Async<T>(const CancelTokenPtr &runCancel)>;

    struct Joined
    {
        Async<T> future;
        bool started = false; ///< this caller started the run; false when it joined one in flight
    };

    explicit SingleFlight(QObject *context) : m_context(context) {}
    ~SingleFlight()
    {
        const auto flights = std::exchange(*m_flights, {});
        for (const auto &flight : flights) {
            answer(flight, cancelled(QStringLiteral("lookup shut down")));
            flight->cancel->cancel();
        }
    }
    SingleFlight(const SingleFlight &) = delete;
    SingleFlight &operator=(const SingleFlight &) = delete;

    /// Waits for the run in flight for `key`, or starts `run` (with the run's own token).
    Joined join(const QString &key, const CancelTokenPtr &cancel, const Run &run)
    {
        if (cancel && cancel->isCancelled())
            return {failedAsync<T>(cancelled(QStringLiteral("lookup cancelled"))), false};
        auto caller = std::make_shared<QPromise<Result<T>>>();
        caller->start();
        Joined joined{caller->future(), false};
        std::shared_ptr<Flight> flight = m_flights->value(key);
        if (!flight) {
            flight = std::make_shared<Flight>(key);
            m_flights->insert(key, flight);
            joined.started = true;
        }
        // Registered before the run starts: a run that finishes at once must find its caller.
        flight->callers.push_back(caller);
        if (cancel) {
            cancel->onCancel(m_context, [flights = std::weak_ptr<Flights>(m_flights),
                                         weakFlight = std::weak_ptr<Flight>(flight),
                                         weakCaller = std::weak_ptr<QPromise<Result<T>>>(caller)] {
                leave(flights.lock(), weakFlight.lock(), weakCaller.lock());
            });
        }
        if (joined.started) {
            // No context object: the run finishes on our thread anyway, and Qt 6.4 asserts when a
            // continuation's context has gone (as it may at shutdown).
            run(flight->cancel)
                .then([flights = std::weak_ptr<Flights>(m_flights), flight](Result<T> result) {
                    land(flights.lock(), flight, result);
                })
                .onCanceled([flights = std::weak_ptr<Flights>(m_flights), flight] {
                    land(flights.lock(), flight,
                         makeError(ErrorCode::Internal, QStringLiteral("lookup finished without a result")));
                });
        }
        return joined;
    }

    /// Runs in flight.
    qsizetype inFlight() const { return m_flights->size(); }

private:
    using CallerPtr = std::shared_ptr<QPromise<Result<T>>>;
    struct Flight
    {
        explicit Flight(QString k) : key(std::move(k)) {}
        QString key;
        CancelTokenPtr cancel = CancelToken::create();
        std::vector<CallerPtr> callers;
    };
    using Flights = QHash<QString, std::shared_ptr<Flight>>;

    static Error cancelled(const QString &message) { return makeError(ErrorCode::Cancelled, message); }

    // The key may already belong to a newer run (after every caller of this one had gone).
    static void release(const std::shared_ptr<Flights> &flights, const std::shared_ptr<Flight> &flight)
    {
        if (!flights)
            return;
        const auto it = flights->constFind(flight->key);
        if (it != flights->constEnd() && it.value() == flight)
            flights->erase(it);
    }

    static void answer(const std::shared_ptr<Flight> &flight, const Result<T> &result)
    {
        // Taken out first: answering a caller may run code that joins again.
        const std::vector<CallerPtr> callers = std::exchange(flight->callers, {});
        for (const CallerPtr &caller : callers) {
            caller->addResult(result);
            caller->finish();
        }
    }

    static void land(const std::shared_ptr<Flights> &flights, const std::shared_ptr<Flight> &flight,
                     const Result<T> &result)
    {
        release(flights, flight);
        answer(flight, result);
    }

    static void leave(const std::shared_ptr<Flights> &flights, const std::shared_ptr<Flight> &flight,
                      const CallerPtr &caller)
    {
        if (!flight || !caller)
            return; // answered and gone already
        const auto it = std::find(flight->callers.begin(), flight->callers.end(), caller);
        if (it == flight->callers.end())
            return;
        flight->callers.erase(it);
        caller->addResult(Result<T>(cancelled(QStringLiteral("lookup cancelled"))));
        caller->finish();
        if (!flight->callers.empty())
            return;
        // Free the key before cancelling: an aborted request may finish the run (and land it)
        // synchronously, and a newcomer must not join a run that is being torn down.
        release(flights, flight);
        flight->cancel->cancel();
    }

    QObject *m_context;
    std::shared_ptr<Flights> m_flights = std::make_shared<Flights>();
};

} // namespace agency::core
