#include "servermanager.h"

#include "mcptool.h"

#include <QLoggingCategory>
#include <QSet>

Q_LOGGING_CATEGORY(lcMcpManager, "agency.mcp.manager")

namespace agency::mcp {

McpServerManager::McpServerManager(QNetworkAccessManager &network, core::TenantSecretSource *secrets,
                                   ServerConnection::Options options, QObject *parent)
    : QObject(parent), m_network(network), m_secrets(secrets), m_options(std::move(options))
{
}

McpServerManager::~McpServerManager()
{
    qDeleteAll(m_connections);
}

QList<McpServerManager::Use> McpServerManager::usesOf(const QString &flowType,
                                                      const QList<core::McpServerConfig> &flowServers,
                                                      const QString &tenantId,
                                                      const QList<core::McpServerConfig> &tenantServers)
{
    QList<Use> uses;
    QSet<QString> names;
    for (const core::McpServerConfig &config : flowServers) {
        names.insert(config.name);
        uses.append(
            {config, QStringLiteral("flow:") + flowType, config.usesSecrets() ? tenantId : QString()});
    }
    for (const core::McpServerConfig &config : tenantServers) {
        if (!names.contains(config.name))
            uses.append({config, QStringLiteral("tenant:") + tenantId, tenantId});
    }
    return uses;
}

ServerConnection *McpServerManager::connection(const Use &use)
{
    const QString key = use.scope + u'/' + use.tenantId + u'/' + use.config.name;
    ServerConnection *existing = m_connections.value(key);
    if (existing && existing->config() == use.config)
        return existing;
    if (existing) {
        qCInfo(lcMcpManager).noquote()
            << "MCP server" << use.config.name << "(" << use.scope << ") changed: connecting again";
        delete existing;
    }
    auto *created =
        new ServerConnection(use.config, use.scope, use.tenantId, m_network, m_secrets, m_options, this);
    m_connections.insert(key, created);
    return created;
}

QFuture<void> McpServerManager::settleAll(const QList<ServerConnection *> &connections)
{
    QList<QFuture<void>> futures;
    for (ServerConnection *c : connections) {
        c->ensureStarted();
        futures.append(c->settled(m_options.startTimeoutMs));
    }
    // Finishes when the last one has: each finishes by itself within the start timeout.
    auto remaining = std::make_shared<qsizetype>(futures.size());
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    if (futures.isEmpty())
        promise->finish();
    for (QFuture<void> &future : futures) {
        future.then(this, [remaining, promise] {
            if (--*remaining == 0)
                promise->finish();
        });
    }
    return promise->future();
}

QFuture<QList<std::shared_ptr<tools::Tool>>> McpServerManager::toolsFor(const QList<Use> &servers)
{
    QList<QPointer<ServerConnection>> connections;
    QList<ServerConnection *> raw;
    for (const Use &use : servers) {
        ServerConnection *c = connection(use);
        connections.append(c);
        raw.append(c);
    }
    return settleAll(raw).then(this, [connections] {
        QList<std::shared_ptr<tools::Tool>> list;
        QSet<QString> names;
        for (const QPointer<ServerConnection> &c : connections) {
            if (!c)
                continue;
            for (const QJsonObject &tool : c->tools()) {
                auto adapter = std::make_shared<McpTool>(c.data(), c->config().name, tool);
                if (adapter->name().isEmpty() || names.contains(adapter->name())) {
                    qCWarning(lcMcpManager).noquote() << "MCP server" << c->config().name << "tool"
                                                      << tool.value(QStringLiteral("name")).toString()
                                                      << "left out: its name is empty or taken";
                    continue;
                }
                names.insert(adapter->name());
                list.append(adapter);
            }
        }
        return list;
    });
}

QFuture<QList<core::McpServerStatus>> McpServerManager::connectAll(const QList<Use> &servers)
{
    QList<ServerConnection *> raw;
    for (const Use &use : servers)
        raw.append(connection(use));
    return settleAll(raw).then(this, [this] { return statuses(); });
}

QList<core::McpServerStatus> McpServerManager::statuses() const
{
    QList<core::McpServerStatus> list;
    for (const ServerConnection *c : m_connections)
        list.append(c->status());
    std::sort(list.begin(), list.end(), [](const core::McpServerStatus &a, const core::McpServerStatus &b) {
        return std::pair(a.scope, a.name) < std::pair(b.scope, b.name);
    });
    return list;
}

} // namespace agency::mcp
