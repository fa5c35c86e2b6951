// ConversationRepository::forkConversation, kept apart from the turn-path statements.

#include "conversationrepository.h"
#include "core/validation.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

namespace agency::db {

using core::ErrorCode;
using core::makeError;
using core::Result;

core::Async<core::Conversation> ConversationRepository::forkConversation(const QString &tenantId,
                                                                         const QUuid &conversationId,
                                                                         qint64 messageId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<core::Conversation>(ok.error());
    if (conversationId.isNull() || messageId <= 0) {
        return core::failedAsync<core::Conversation>(makeError(
            ErrorCode::InvalidArgument, QStringLiteral("a conversation id and a message id are required")));
    }
    const QString source = conversationId.toString(QUuid::WithoutBraces);
    const QString fork = QUuid::createUuid().toString(QUuid::WithoutBraces);
    return m_executor.runGrouped<core::Conversation>(
        tenantId + QLatin1Char('/'), [=](sql::DbConnection &conn) -> Result<core::Conversation> {
            return conn.transaction([&]() -> Result<core::Conversation> {
                const QString what = QStringLiteral("fork conversation");
                auto cut =
                    conn.exec(QStringLiteral("SELECT role FROM messages WHERE id = ? AND tenant_id = ? "
                                             "AND conversation_id = ?::uuid"),
                              {messageId, tenantId, source}, what);
                if (!cut)
                    return cut.error();
                if (!cut.value()->next()) {
                    return makeError(
                        ErrorCode::NotFound,
                        QStringLiteral("message %1 not found in conversation %2").arg(messageId).arg(source),
                        {{QStringLiteral("message_id"), messageId}});
                }
                // Cutting before a user message never separates a tool call from its results: the
                // engine stores a call and its results together, and user messages only open turns.
                if (cut.value()->value(0).toString() != QStringLiteral("user")) {
                    return makeError(ErrorCode::InvalidArgument,
                                     QStringLiteral("only a user message can be edited and resent"),
                                     {{QStringLiteral("field"), QStringLiteral("message_id")}});
                }
                auto tenant =
                    conn.exec(QStringLiteral("UPDATE tenants SET conversation_count = conversation_count + 1 "
                                             "WHERE tenant_id = ?"),
                              {tenantId}, what);
                if (!tenant)
                    return tenant.error();
                auto created = conn.exec(
                    QStringLiteral("INSERT INTO conversations (conversation_id, tenant_id, flow_type, title, "
                                   "flow_metadata) "
                                   "SELECT ?::uuid, tenant_id, flow_type, left(title || ' (edited)', 200), "
                                   "flow_metadata || jsonb_build_object('forked_from', jsonb_build_object("
                                   "'conversation_id', ?::text, 'message_id', ?::bigint)) "
                                   "FROM conversations WHERE tenant_id = ? AND conversation_id = ?::uuid"),
                    {fork, source, messageId, tenantId, source}, what);
                if (!created)
                    return created.error();
                auto copied = conn.exec(
                    QStringLiteral(
                        "INSERT INTO messages (conversation_id, tenant_id, flow_type, role, content, "
                        "tool_calls, tool_call_id, message_metadata, created_at) "
                        "SELECT ?::uuid, m.tenant_id, m.flow_type, m.role, m.content, m.tool_calls, "
                        "m.tool_call_id, m.message_metadata, m.created_at FROM messages m "
                        "WHERE m.tenant_id = ? AND m.conversation_id = ?::uuid AND (m.created_at, m.id) < "
                        "(SELECT created_at, id FROM messages WHERE id = ?) ORDER BY m.created_at, m.id"),
                    {fork, tenantId, source, messageId}, what);
                if (!copied)
                    return copied.error();
                auto result = conn.exec(
                    QStringLiteral(
                        "UPDATE conversations AS c SET message_count = (SELECT count(*) FROM messages "
                        "WHERE conversation_id = ?::uuid), updated_at = clock_timestamp() "
                        "WHERE c.conversation_id = ?::uuid RETURNING ") +
                        rows::kConversationColumns,
                    {fork, fork}, what);
                if (!result)
                    return result.error();
                if (!result.value()->next())
                    return makeError(ErrorCode::DatabaseError,
                                     QStringLiteral("fork conversation returned no row"));
                return rows::readConversation(*result.value());
            });
        });
}

} // namespace agency::db
