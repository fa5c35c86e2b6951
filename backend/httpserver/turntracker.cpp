#include "turntracker.h"

#include <QTimer>

namespace agency::httpserver {

TurnTicket::TurnTicket(TurnTracker *tracker, quint64 id, core::CancelTokenPtr token,
                       std::shared_ptr<Cause> cause)
    : m_tracker(tracker), m_id(id), m_token(std::move(token)), m_cause(std::move(cause))
{
}

TurnTicket::~TurnTicket()
{
    if (m_tracker)
        m_tracker->finished(m_id);
}

core::Error TurnTicket::explain(const core::Error &error) const
{
    if (error.code != core::ErrorCode::Cancelled)
        return error;
    if (m_cause->deadline) {
        return core::makeError(
            core::ErrorCode::ProviderTimeout,
            QStringLiteral("the turn ran past the server's turn deadline and was cancelled"));
    }
    if (m_cause->shutdown) {
        return core::makeError(core::ErrorCode::Cancelled,
                               QStringLiteral("the server is shutting down; the turn was cancelled "
                                              "(what it completed is stored)"));
    }
    return error;
}

TurnTracker::TurnTracker(int turnDeadlineMs, QObject *parent) : QObject(parent), m_deadlineMs(turnDeadlineMs)
{
}

std::shared_ptr<TurnTicket> TurnTracker::begin(core::CancelTokenPtr cancel)
{
    if (!cancel)
        cancel = core::CancelToken::create();
    const quint64 id = m_nextId++;
    auto cause = std::make_shared<TurnTicket::Cause>();
    Entry entry{cancel, cause, nullptr};
    if (m_deadlineMs > 0) {
        entry.deadline = new QTimer(this);
        entry.deadline->setSingleShot(true);
        connect(entry.deadline, &QTimer::timeout, this, [cancel, cause] {
            cause->deadline = true;
            cancel->cancel();
        });
        entry.deadline->start(m_deadlineMs);
    }
    m_turns.emplace(id, std::move(entry));
    return std::shared_ptr<TurnTicket>(new TurnTicket(this, id, std::move(cancel), std::move(cause)));
}

void TurnTracker::cancelAll()
{
    for (auto &[id, entry] : m_turns) {
        entry.cause->shutdown = true;
        entry.token->cancel();
    }
}

void TurnTracker::finished(quint64 id)
{
    auto it = m_turns.find(id);
    if (it == m_turns.end())
        return;
    if (it->second.deadline)
        it->second.deadline->deleteLater();
    m_turns.erase(it);
    if (m_turns.empty())
        Q_EMIT drained();
}

} // namespace agency::httpserver
