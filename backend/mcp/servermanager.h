#pragma once

#include "core/async/future.h"
#include "core/mcpserver.h"
#include "serverconnection.h"
#include "tools/tool.h"

#include <QHash>
#include <QObject>

#include <memory>

class QNetworkAccessManager;

namespace agency::mcp {

/// Every MCP server connection of the process (docs/mcp.md#using-mcp-servers-in-flows): one per
/// configured server, shared by all turns that use it. A flow's servers are keyed by flow and
/// name (and by tenant too when a header names a tenant secret); a tenant's servers by tenant
/// and name. A changed configuration replaces its connection. The composition root owns it and
/// hands its tools to the turn engine (TurnDependencies::extraTools).
///
/// Thread affinity: the thread of the turn engine; everything is called there.
class McpServerManager : public QObject
{
    Q_OBJECT

public:
    /// One server as a flow or a tenant configures it.
    struct Use
    {
        core::McpServerConfig config;
        QString scope;    ///< "flow:<flow_type>" or "tenant:<tenant_id>"
        QString tenantId; ///< whose secrets fill its headers; empty: none
    };

    McpServerManager(QNetworkAccessManager &network, core::TenantSecretSource *secrets,
                     ServerConnection::Options options, QObject *parent = nullptr);
    ~McpServerManager() override;

    /// The tools of `servers`: starts them as needed and waits (at most the start timeout) for
    /// those still starting. A server that is down contributes the tools it had, whose calls
    /// fail at once with the reason; one that never listed any contributes none. Never fails.
    QFuture<QList<std::shared_ptr<tools::Tool>>> toolsFor(const QList<Use> &servers);
    /// Starts `servers` and finishes with every connection's status once none is starting.
    QFuture<QList<core::McpServerStatus>> connectAll(const QList<Use> &servers);
    /// Every connection's status, as it is (nothing is started).
    QList<core::McpServerStatus> statuses() const;

    /// The uses of a flow's and a tenant's servers, in that order (a tenant's server of the same
    /// name as the flow's is left out: the flow's wins).
    static QList<Use> usesOf(const QString &flowType, const QList<core::McpServerConfig> &flowServers,
                             const QString &tenantId, const QList<core::McpServerConfig> &tenantServers);

private:
    ServerConnection *connection(const Use &use);
    QFuture<void> settleAll(const QList<ServerConnection *> &connections);

    QNetworkAccessManager &m_network;
    core::TenantSecretSource *m_secrets;
    ServerConnection::Options m_options;
    QHash<QString, ServerConnection *> m_connections; ///< children
};

} // namespace agency::mcp
