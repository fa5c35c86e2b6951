#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QString>

namespace agency::httpserver {

class ApiCall;

/// Writes what the server says about each request, by hand rather than through QJsonObject and
/// QUuid: it runs once per request, and the generic paths cost a measurable share of a small
/// request (README "Benchmarks", server). Thread affinity: the server thread.
class RequestLogFormat
{
public:
    RequestLogFormat();

    /// The access-log line for an answered call: one compact JSON object (no newline) with ts
    /// (ISO 8601 UTC, milliseconds), method, path, status, duration_ms, request_id, client and,
    /// when known, tenant and key_id.
    QByteArray line(const ApiCall &call, int status);
    /// A new request id: a random (version 4) UUID in its usual text form (lowercase, with
    /// hyphens). Unique, not secret, so it comes from a seeded generator instead of the system's
    /// entropy source, and is formatted here rather than through QUuid.
    QString newRequestId();

private:
    void appendTimestamp(QByteArray &out);
    /// `peer` as text. The last address's text is kept: keep-alive clients (and load balancers)
    /// send many requests from one address, and QHostAddress::toString formats anew each time.
    const QString &peerText(const QHostAddress &peer);

    QRandomGenerator64 m_random;
    qint64 m_second = -1;    ///< the second m_secondText was formatted for
    QByteArray m_secondText; ///< "2026-11-29T20:16:03."
    QHostAddress m_lastPeer;
    QString m_lastPeerText; ///< m_lastPeer.toString()
};

/// `text` as a JSON string literal (quotes included), UTF-8, with ", \ and control characters
/// escaped.
void appendJsonString(QByteArray &out, const QString &text);

} // namespace agency::httpserver
