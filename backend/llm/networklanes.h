#pragma once

#include <QNetworkAccessManager>

#include <vector>

namespace agency::llm {

/// A QNetworkAccessManager that spreads its requests over several inner managers ("lanes").
///
/// Why: Qt 6.4 opens at most six HTTP/1.1 connections per host and manager (the setting for it,
/// QHttp1Configuration, arrived in Qt 6.5), so with one manager the seventh concurrent call to a
/// plain-http provider — a local OpenAI-compatible server, a test fake — waits until one of
/// the six is done: 64 conversations would take turns six at a time. HTTPS providers negotiate
/// HTTP/2 and multiplex on one connection anyway. Each lane keeps its own connection cache, so
/// `connectionsPerHost` / 6 lanes (rounded up) allow that many concurrent calls per host.
///
/// Use it like any QNetworkAccessManager (get/post/sendCustomRequest). Thread affinity: the
/// thread that created it, like its lanes. Replies belong to a lane (a child of this object).
class NetworkLanes : public QNetworkAccessManager
{
    Q_OBJECT

public:
    static constexpr int kConnectionsPerLane = 6; ///< Qt 6.4's fixed HTTP/1.1 limit per manager

    explicit NetworkLanes(int connectionsPerHost, QObject *parent = nullptr);
    int laneCount() const { return static_cast<int>(m_lanes.size()); }

    /// The lane the next request goes to (round robin). HttpCall sends on it directly: a request
    /// through this manager's own get/post/sendCustomRequest is processed twice (here, then by the
    /// lane), about 5% of the engine thread's instructions per provider call.
    QNetworkAccessManager *nextLane() { return m_lanes[m_next++ % m_lanes.size()]; }

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request,
                                 QIODevice *outgoingData = nullptr) override;

private:
    std::vector<QNetworkAccessManager *> m_lanes;
    size_t m_next = 0;
};

} // namespace agency::llm
