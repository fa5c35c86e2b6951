#pragma once

#include "core/async/canceltoken.h"
#include "core/error.h"

#include <QObject>
#include <QPointer>

#include <memory>
#include <unordered_map>

class QTimer;

namespace agency::httpserver {

class TurnTracker;

/// One chat turn in flight, registered with the TurnTracker for as long as the ticket lives.
/// Its cancel token is cancelled at the turn deadline or when the server stops past its grace time.
class TurnTicket
{
public:
    ~TurnTicket();
    TurnTicket(const TurnTicket &) = delete;
    TurnTicket &operator=(const TurnTicket &) = delete;

    /// Pass this in TurnRequest::cancel.
    const core::CancelTokenPtr &cancelToken() const { return m_token; }
    /// The error to answer when the turn failed with `error`: a Cancelled caused by the deadline
    /// becomes ProviderTimeout (504), one caused by shutdown says so (503); others pass through.
    core::Error explain(const core::Error &error) const;

private:
    friend class TurnTracker;
    /// Why the token was cancelled by the tracker (shared with the tracker's entry).
    struct Cause
    {
        bool deadline = false;
        bool shutdown = false;
    };
    TurnTicket(TurnTracker *tracker, quint64 id, core::CancelTokenPtr token, std::shared_ptr<Cause> cause);

    QPointer<TurnTracker> m_tracker;
    quint64 m_id;
    core::CancelTokenPtr m_token;
    std::shared_ptr<Cause> m_cause;
};

/// Counts the chat turns the server is running, enforces the turn deadline, and lets a stopping
/// server wait for them (then cancel the rest). Thread affinity: the server thread.
class TurnTracker : public QObject
{
    Q_OBJECT

public:
    explicit TurnTracker(int turnDeadlineMs, QObject *parent = nullptr);

    /// Registers a turn; `cancel` (may be null: one is made) is cancelled at the deadline.
    std::shared_ptr<TurnTicket> begin(core::CancelTokenPtr cancel = {});
    int inFlight() const { return static_cast<int>(m_turns.size()); }
    /// Cancels every turn in flight (they fail with Cancelled; what they completed stays stored).
    void cancelAll();
    bool stopping() const { return m_stopping; }
    void setStopping() { m_stopping = true; }

Q_SIGNALS:
    /// No turn is in flight any more.
    void drained();

private:
    friend class TurnTicket;
    void finished(quint64 id);

    struct Entry
    {
        core::CancelTokenPtr token;
        std::shared_ptr<TurnTicket::Cause> cause;
        QTimer *deadline = nullptr;
    };
    int m_deadlineMs;
    quint64 m_nextId = 1;
    bool m_stopping = false;
    std::unordered_map<quint64, Entry> m_turns;
};

} // namespace agency::httpserver
