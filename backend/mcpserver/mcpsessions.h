#pragma once

#include "mcpserver.h"

#include <QDateTime>
#include <QHash>
#include <QObject>

#include <memory>

namespace agency::mcpserver {

/// The MCP sessions of Streamable HTTP (docs/design.md#mcp): one McpServer per session id, bound
/// to the tenant and the API key that opened it, so another key (or tenant) cannot use it. Idle
/// sessions are forgotten after a while; a client then gets 404 and initializes again, as the
/// transport prescribes. Thread affinity: the server's thread.
class McpSessions : public QObject
{
    Q_OBJECT

public:
    static constexpr int kMaxSessions = 10'000;
    static constexpr qint64 kIdleMs = 60LL * 60 * 1000;

    explicit McpSessions(service::AgencyService &service, QObject *parent = nullptr);
    ~McpSessions() override;

    struct Opened
    {
        QString id;                  ///< the Mcp-Session-Id to hand out
        McpServer *server = nullptr; ///< null when too many sessions are open
    };
    /// A new session of `tenantId` opened with key `keyId` (empty without authentication).
    Opened open(const QString &tenantId, const QString &keyId);
    /// The session `id` when it exists and belongs to this tenant and key; null otherwise.
    McpServer *find(const QString &id, const QString &tenantId, const QString &keyId);
    /// Ends a session (its running calls are cancelled); false when there was none for this caller.
    bool close(const QString &id, const QString &tenantId, const QString &keyId);
    int count() const { return int(m_sessions.size()); }

private:
    struct Session;
    void forgetIdle();

    service::AgencyService &m_service;
    QHash<QString, std::shared_ptr<Session>> m_sessions;
};

} // namespace agency::mcpserver
