#pragma once

#include "core/async/canceltoken.h"

#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace agency::service {
class AgencyService;
}

namespace agency::mcpserver {

/// One tool the agency offers MCP clients, as tools/list describes it.
struct ToolEntry
{
    QString name;
    QString title;
    QString description;
    QJsonObject inputSchema;
    QJsonObject outputSchema;
    QString flowType; ///< ask_<flow>: the flow it talks to; empty for the searches
};

/// The tools of one tenant's MCP session (docs/design.md#mcp): `ask_<flow>` for every flow,
/// `search_conversations` and `search_documents`, each a call to AgencyService scoped to the
/// tenant, exactly as the HTTP routes make them. Thread affinity: the service's thread.
class AgencyTools
{
public:
    /// A finished call: the tools/call result ({content, structuredContent?, isError?}).
    using Done = std::function<void(const QJsonObject &result)>;

    AgencyTools(service::AgencyService &service, QString tenantId);

    /// Every tool, in a stable order (flows by name, then the searches).
    QList<ToolEntry> list() const;
    /// The tool named `name`; nullopt when there is none.
    std::optional<ToolEntry> find(const QString &name) const;
    /// Runs `tool` with `arguments` (already valid against its inputSchema). `done` runs once on
    /// `context`'s thread, never after `context` is gone; a failure (unknown conversation,
    /// provider down, …) is a result with isError true, never a protocol error.
    void call(const ToolEntry &tool, const QJsonObject &arguments, const core::CancelTokenPtr &cancel,
              QObject *context, Done done) const;

    /// A tool result of one text block flagged as an error.
    static QJsonObject errorResult(const QString &text);

private:
    void ask(const ToolEntry &tool, const QJsonObject &arguments, const core::CancelTokenPtr &cancel,
             QObject *context, Done done) const;
    void searchConversations(const QJsonObject &arguments, QObject *context, Done done) const;
    void searchDocuments(const QJsonObject &arguments, QObject *context, Done done) const;

    service::AgencyService &m_service;
    QString m_tenantId;
};

} // namespace agency::mcpserver
