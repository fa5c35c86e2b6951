#pragma once

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>

#include <functional>
#include <memory>

namespace agency::service {
class AgencyService;
}

namespace agency::mcp {
class SchemaValidator;
}

namespace agency::mcpserver {

class AgencyTools;

struct McpServerOptions
{
    int pageSize = 50; ///< tools per tools/list page
};

/// One MCP session of one tenant (docs/design.md#mcp), whatever carries its messages (stdio,
/// Streamable HTTP): the lifecycle (initialize with version negotiation, initialized, ping),
/// tools/list with cursor paging, tools/call on the agency's tools (AgencyTools), cancellation,
/// and JSON-RPC errors. Every message received and sent is checked against the schema of the
/// revision in use. Thread affinity: the service's thread.
class McpServer : public QObject
{
    Q_OBJECT

public:
    /// Gets one serialised message to send (a request's answer). An empty message means the
    /// request was cancelled and nothing is to be sent for it.
    using Send = std::function<void(const QByteArray &message)>;

    McpServer(service::AgencyService &service, QString tenantId, McpServerOptions options = {},
              QObject *parent = nullptr);
    ~McpServer() override;

    /// One message in (its JSON text). Returns true when an answer comes: for a request (or an
    /// unreadable message), `send` then runs exactly once, at once or later, on this thread;
    /// for a notification or a response it never runs.
    bool receive(const QByteArray &bytes, Send send);

    const QString &tenantId() const { return m_tenantId; }
    /// The negotiated revision; empty before initialize.
    const QString &protocolVersion() const { return m_version; }
    /// initialize was answered.
    bool initialized() const { return !m_version.isEmpty(); }
    /// Requests still running.
    int pendingCount() const { return int(m_pending.size()); }
    /// Cancels every running call (the transport closed or the session ended): each one's `send`
    /// gets the empty message.
    void cancelAll();

Q_SIGNALS:
    /// The last running request finished (answered, failed or cancelled).
    void idle();

public:
    /// The revisions this server speaks, oldest first.
    static QStringList supportedVersions();
    /// Whether `bytes` hold an initialize request (Streamable HTTP opens a session on it).
    static bool isInitializeRequest(const QByteArray &bytes);

private:
    struct Pending;
    struct Incoming;
    void dispatch(const Incoming &in, const std::shared_ptr<Pending> &pending);
    void initialize(const Incoming &in, const std::shared_ptr<Pending> &pending);
    void listTools(const Incoming &in, const std::shared_ptr<Pending> &pending);
    void callTool(const Incoming &in, const std::shared_ptr<Pending> &pending);
    void cancel(const Incoming &in);
    void answer(const std::shared_ptr<Pending> &pending, const QJsonObject &result);
    void fail(const std::shared_ptr<Pending> &pending, int code, const QString &message);

    service::AgencyService &m_service;
    QString m_tenantId;
    McpServerOptions m_options;
    std::unique_ptr<AgencyTools> m_tools;
    std::unique_ptr<mcp::SchemaValidator> m_validator;  ///< of the revision in use
    QString m_version;                                  ///< negotiated at initialize
    bool m_clientReady = false;                         ///< notifications/initialized arrived
    QHash<QString, std::shared_ptr<Pending>> m_pending; ///< by RequestId::key()
};

} // namespace agency::mcpserver
