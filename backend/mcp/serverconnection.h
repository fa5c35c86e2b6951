#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/mcpserver.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QPromise>

#include <memory>
#include <vector>

class QNetworkAccessManager;
class QTimer;

namespace agency::core {
class TenantSecretSource;
}

namespace agency::mcp {

class McpSession;

/// One configured MCP server, kept connected for every turn that uses it
/// (docs/mcp.md#using-mcp-servers-in-flows): starts the process or HTTP session on first use,
/// and after a failure (crash, exit, dropped session, failed start) starts it again after a
/// backoff that doubles from `backoffMs` up to a minute and resets once it is ready. Its last
/// tool list is kept while it restarts, so a turn still sees the tools and a call says clearly
/// why it cannot run. Header values `${secret:NAME}` are filled in from the tenant's secrets at
/// each start. Thread affinity: the manager's thread.
class ServerConnection : public QObject
{
    Q_OBJECT

public:
    struct Options
    {
        int startTimeoutMs = 10'000;
        int backoffMs = 500;
        QString clientVersion;
    };

    ServerConnection(core::McpServerConfig config, QString scope, QString tenantId,
                     QNetworkAccessManager &network, core::TenantSecretSource *secrets, Options options,
                     QObject *parent = nullptr);
    ~ServerConnection() override;

    const core::McpServerConfig &config() const { return m_config; }
    /// Starts the server unless it runs, starts, or waits to restart.
    void ensureStarted();
    /// Finishes once the server is ready or failed, or after `timeoutMs`.
    QFuture<void> settled(int timeoutMs);
    bool isReady() const;
    /// The server's tools as last listed (MCP Tool objects).
    QList<QJsonObject> tools() const { return m_tools; }
    core::McpServerStatus status() const;

    /// tools/call with the server's timeout; waits for a starting server. The result object is
    /// the MCP CallToolResult.
    core::Async<QJsonObject> call(const QString &tool, const QJsonObject &arguments,
                                  const core::CancelTokenPtr &cancel);

Q_SIGNALS:
    void toolsChanged();

private:
    void launch();
    void connectWith(const QMap<QString, QString> &headers);
    void failed(const QString &reason);
    void notifySettled();
    /// Fills in `${secret:NAME}` in the header values, one secret after the other.
    void resolveHeaders(QMap<QString, QString> headers, QStringList names);

    core::McpServerConfig m_config;
    QString m_scope;
    QString m_tenantId;
    QNetworkAccessManager &m_network;
    core::TenantSecretSource *m_secrets;
    Options m_options;
    QPointer<McpSession> m_session;
    QString m_state = QStringLiteral("stopped");
    QString m_reason;
    QString m_version;
    QList<QJsonObject> m_tools;
    int m_restarts = 0;
    int m_backoffMs;
    QTimer *m_restartTimer;
    std::vector<std::shared_ptr<QPromise<void>>> m_waiting;
    quint64 m_generation = 0; ///< bumped per start, so a stale secret lookup is ignored
};

} // namespace agency::mcp
