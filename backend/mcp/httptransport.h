#pragma once

#include "transport.h"

#include <QMap>
#include <QPointer>
#include <QSet>
#include <QUrl>

#include <optional>

class QNetworkAccessManager;
class QNetworkReply;
class QNetworkRequest;

namespace agency::mcp {

/// MCP's Streamable HTTP transport: every message is POSTed to the endpoint, which answers with
/// one JSON message or an event stream of messages (both accepted); the session id the server
/// hands out with the initialize answer (`Mcp-Session-Id`) goes with every later request, and the
/// negotiated revision with `MCP-Protocol-Version`. Once initialized, a GET opens the stream on
/// which the server sends notifications of its own (e.g. tools/list_changed), reopened when it
/// ends; a server without one answers 405, which is fine. `headers` (already holding any secret)
/// go with every request. A 404 for a request carrying the session id means the server ended
/// the session: the transport closes, and the manager starts a new one.
class HttpTransport : public Transport
{
    Q_OBJECT

public:
    static constexpr int kStreamRetryMs = 2000;

    HttpTransport(QUrl url, QMap<QString, QString> headers, QNetworkAccessManager &network,
                  QObject *parent = nullptr);
    ~HttpTransport() override;

    void open() override;
    void send(const QJsonObject &message) override;
    void close() override;
    void setProtocolVersion(const QString &version) override { m_protocolVersion = version; }
    void initialized() override;
    QString kind() const override { return QStringLiteral("http"); }

private:
    QNetworkRequest request(const QByteArray &accept) const;
    /// Reads an answer: JSON at once, an event stream as it arrives.
    void watch(QNetworkReply *reply, const QJsonValue &requestId);
    /// Forgets a finished reply: its HTTP status, or nullopt when the transport is closed (or
    /// closes now: a 404 for a request of the session means the server ended it).
    std::optional<int> settle(QNetworkReply *reply);
    void deliver(const QByteArray &json, QSet<QString> *answered);
    void openStream();
    void fail(const QString &reason);

    QUrl m_url;
    QMap<QString, QString> m_headers;
    QNetworkAccessManager &m_network;
    QString m_sessionId;
    QString m_protocolVersion;
    QSet<QNetworkReply *> m_replies;
    QPointer<QNetworkReply> m_stream;
    bool m_closed = false;
};

} // namespace agency::mcp
