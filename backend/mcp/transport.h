#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QObject>
#include <QString>

namespace agency::mcp {

/// How an McpSession reaches one MCP server (docs/mcp.md#using-mcp-servers-in-flows): JSON-RPC
/// messages out, messages in, and the end of the line. The session speaks the protocol; a
/// transport only moves messages (StdioTransport: a child process; HttpTransport: Streamable
/// HTTP).
///
/// Thread affinity: the thread it was created on. Signals: opened() once it can carry messages;
/// received() for every message from the server; requestFailed() when one request could not be
/// delivered or answered (HTTP error) while the connection stays usable; closed() once, when the
/// connection is gone for good (the session then fails its pending requests with `reason`).
class Transport : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;

    virtual void open() = 0;
    virtual void send(const QJsonObject &message) = 0;
    /// Ends the connection (terminates the process, ends the HTTP session); emits nothing.
    virtual void close() = 0;
    /// The negotiated revision, which Streamable HTTP repeats in a header on every request.
    virtual void setProtocolVersion(const QString &version) { Q_UNUSED(version) }
    /// Called once the session is initialized: HTTP then opens its stream for server messages.
    virtual void initialized() {}
    /// "stdio" or "http".
    virtual QString kind() const = 0;

Q_SIGNALS:
    void opened();
    void received(const QJsonObject &message);
    void requestFailed(const QJsonValue &id, const QString &reason);
    void closed(const QString &reason);
};

} // namespace agency::mcp
