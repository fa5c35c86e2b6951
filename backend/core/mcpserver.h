#pragma once

// MCP servers a flow or a tenant attaches (docs/mcp.md#using-mcp-servers-in-flows): their
// configuration as written in a flow file's or a tenant's `mcp_servers`, and their state as
// `aiagency mcp servers` and /health report it. Plain values: copyable, no thread affinity.

#include "core/result.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>

namespace agency::core {

/// One MCP server: a program started over stdio (`command`, `args`, `env`) or a Streamable HTTP
/// endpoint (`url`, `headers`). Header values may hold `${secret:NAME}`, replaced by the
/// tenant's secret NAME when the connection opens (never stored or logged).
struct McpServerConfig
{
    static constexpr int kDefaultTimeoutMs = 30'000;
    static constexpr int kMaxServers = 16;

    QString name; ///< ^[A-Za-z0-9_-]{1,32}$: the prefix of its tools ("<name>__<tool>")
    QString command;
    QStringList args;
    QMap<QString, QString> env;
    QString url;
    QMap<QString, QString> headers;
    int timeoutMs = kDefaultTimeoutMs; ///< "timeout_ms": one call's limit, 100..600000

    bool isStdio() const { return !command.isEmpty(); }
    /// True when a header names a tenant secret: its connection belongs to one tenant.
    bool usesSecrets() const;
    QJsonObject toJson() const;
    bool operator==(const McpServerConfig &) const = default;

    /// Parses one entry; InvalidArgument names the field (e.g. "mcp_servers[1].url: …").
    static Result<McpServerConfig> fromJson(const QJsonValue &json, const QString &field);
    /// Parses a whole `mcp_servers` array (names unique, at most kMaxServers).
    static Result<QList<McpServerConfig>> listFromJson(const QJsonValue &json,
                                                       const QString &field = QStringLiteral("mcp_servers"));
    static QJsonArray listToJson(const QList<McpServerConfig> &servers);
};

/// What one connection to an MCP server is doing right now.
struct McpServerStatus
{
    QString name;
    QString scope;     ///< "flow:<flow_type>" or "tenant:<tenant_id>"
    QString transport; ///< "stdio" or "http"
    QString state;     ///< "starting", "ready", "failed" (restarting after a backoff) or "stopped"
    QString reason;    ///< why it failed, with the server's last stderr lines for stdio
    QString protocolVersion;
    int toolCount = 0;
    int restarts = 0;

    QJsonObject toJson() const;
};

} // namespace agency::core
