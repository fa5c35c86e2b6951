#include "conversationrepository.h"

#include "conversationsql.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/validation.h"
#include "cursor.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QJsonDocument>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;

namespace conversationsql {

core::Error notFound(const QUuid &id)
{
    return makeError(ErrorCode::NotFound,
                     QStringLiteral("conversation %1 not found").arg(id.toString(QUuid::WithoutBraces)),
                     {{QStringLiteral("conversation_id"), id.toString(QUuid::WithoutBraces)}});
}

QString uuidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

QString lockKey(const QString &tenantId, const QUuid &conversationId)
{
    return tenantId + QLatin1Char('/') + (conversationId.isNull() ? QString() : uuidText(conversationId));
}

core::Status validateScope(const QString &tenantId, const QUuid &conversationId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return ok;
    if (conversationId.isNull()) {
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("conversation_id: ") + core::uuidRule(),
                         {{QStringLiteral("field"), QStringLiteral("conversation_id")}});
    }
    return {};
}

core::Status validateNewMessage(const NewMessage &message)
{
    if (auto ok = core::validateContent(message.content); !ok)
        return ok;
    if (auto ok = core::validateMetadata(message.metadata, QStringLiteral("message_metadata")); !ok)
        return ok;
    if (message.toolCalls.size() > core::limits::kMaxToolCallsPerMessage) {
        return makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("tool_calls: more than %1 calls").arg(core::limits::kMaxToolCallsPerMessage));
    }
    if (!message.toolCalls.isEmpty() && message.role != core::Role::Assistant) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("tool_calls: only assistant messages carry tool calls"),
                         {{QStringLiteral("field"), QStringLiteral("tool_calls")}});
    }
    if (message.role == core::Role::Tool && message.toolCallId.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("tool_call_id: a tool message must name its call"),
                         {{QStringLiteral("field"), QStringLiteral("tool_call_id")}});
    }
    for (const core::ToolCall &call : message.toolCalls) {
        if (call.id.isEmpty() || call.name.isEmpty() ||
            call.arguments.size() > core::limits::kMaxContentChars) {
            return makeError(
                ErrorCode::InvalidArgument,
                QStringLiteral("tool_calls: each call needs an id, a name and bounded arguments"),
                {{QStringLiteral("field"), QStringLiteral("tool_calls")}});
        }
    }
    return {};
}

core::Result<Statement> appendMessages(const QString &tenantId, const QUuid &conversationId,
                                       const QList<NewMessage> &messages, const TurnWrite *write)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return ok.error();
    if (messages.isEmpty() || messages.size() > core::limits::kMaxMessagesPerSave) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("messages: save between 1 and %1 messages at once")
                             .arg(core::limits::kMaxMessagesPerSave));
    }
    QVariantList values;
    QStringList rowsSql;
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const NewMessage &m = messages.at(i);
        if (auto ok = validateNewMessage(m); !ok)
            return ok.error();
        rowsSql.append(QStringLiteral("(%1, ?::text, ?::text, ?::text, ?::text, ?::text)").arg(i));
        values << core::roleName(m.role) << m.content
               << (m.toolCalls.isEmpty()
                       ? QVariant()
                       : QVariant(QString::fromUtf8(core::toCompactJson(core::toolCallsToJson(m.toolCalls)))))
               << (m.toolCallId.isEmpty() ? QVariant() : QVariant(m.toolCallId))
               << core::toCompactJsonString(m.metadata);
    }
    Statement st;
    st.binds << static_cast<int>(messages.size());
    // A turn's write renews its lease (or releases it with the last write) and needs it held.
    QString lease;
    QString holder;
    if (write) {
        lease = QStringLiteral(", turn_holder = CASE WHEN ? THEN NULL ELSE turn_holder END, "
                               "turn_expires_at = CASE WHEN ? THEN NULL "
                               "ELSE clock_timestamp() + ?::integer * interval '1 millisecond' END");
        st.binds << write->release << write->release << write->lease.leaseMs;
        holder = QStringLiteral(" AND turn_holder = ?::uuid AND message_count = ?");
    }
    st.binds << uuidText(conversationId) << tenantId;
    if (write)
        st.binds << uuidText(write->lease.turnId) << write->messageCountBefore;
    st.binds << (write ? QVariant(uuidText(write->lease.turnId)) : QVariant());
    st.binds += values;
    // The provider call's usage row rides in the same statement, only when the conversation row
    // was written (`c`), so it is stored exactly when the messages are.
    QString usage;
    if (write && write->usage) {
        const UsageRow &u = *write->usage;
        usage = QStringLiteral(
            ", u AS (INSERT INTO llm_usage (tenant_id, conversation_id, provider, model, prompt_tokens, "
            "completion_tokens, total_tokens, latency_ms, outcome, created_at, cost_usd) SELECT c.tenant_id, "
            "c.conversation_id, ?, ?, ?, ?, ?, ?, ?, to_timestamp(?::bigint / 1000.0), "
            "NULLIF(?, '')::numeric FROM c)");
        st.binds << u.provider << u.model << u.promptTokens << u.completionTokens << u.totalTokens
                 << u.latencyMs << u.outcome << u.createdAtMs << u.costUsd;
    }
    // One statement: lock and bump the conversation (tenant-scoped), then insert every message
    // with the conversation's new activity time. No conversation row → nothing inserted.
    st.sql =
        QStringLiteral("WITH c AS (UPDATE conversations SET updated_at = clock_timestamp(), "
                       "message_count = message_count + ?") +
        lease + QStringLiteral(" WHERE conversation_id = ?::uuid AND tenant_id = ?") + holder +
        QStringLiteral(
            " RETURNING conversation_id, tenant_id, flow_type, updated_at), "
            "ins AS (INSERT INTO messages AS m (conversation_id, tenant_id, flow_type, role, content, "
            "tool_calls, tool_call_id, message_metadata, created_at, turn_id) "
            "SELECT c.conversation_id, c.tenant_id, c.flow_type, v.role, v.content, v.tool_calls::jsonb, "
            "v.tool_call_id, v.meta::jsonb, c.updated_at, ?::uuid FROM c CROSS JOIN (VALUES ") +
        rowsSql.join(QStringLiteral(", ")) +
        QStringLiteral(
            ") AS v(ord, role, content, tool_calls, tool_call_id, meta) ORDER BY v.ord RETURNING ") +
        rows::kMessageColumns + QStringLiteral(")") + usage + QStringLiteral(" SELECT * FROM ins ORDER BY 1");
    return st;
}

} // namespace conversationsql

using namespace conversationsql;

Async<core::Conversation> ConversationRepository::createConversation(const QString &tenantId,
                                                                     const QString &flowType,
                                                                     const QJsonObject &metadata,
                                                                     const QString &title)
{
    for (const core::Status &check :
         {core::validateTenantId(tenantId), core::validateFlowType(flowType), core::validateTitle(title),
          core::validateMetadata(metadata, QStringLiteral("flow_metadata"))}) {
        if (!check)
            return core::failedAsync<core::Conversation>(check.error());
    }
    const QString metadataJson = core::toCompactJsonString(metadata);
    const QUuid id = QUuid::createUuid();
    return m_executor.runGrouped<core::Conversation>(
        lockKey(tenantId), [=](sql::DbConnection &conn) -> Result<core::Conversation> {
            return conn.transaction([&]() -> Result<core::Conversation> {
                const QString what = QStringLiteral("create conversation");
                auto tenant = conn.exec(
                    QStringLiteral("INSERT INTO tenants (tenant_id, conversation_count) VALUES (?, 1) "
                                   "ON CONFLICT (tenant_id) DO UPDATE "
                                   "SET conversation_count = tenants.conversation_count + 1"),
                    {tenantId}, what);
                if (!tenant)
                    return tenant.error();
                auto inserted = conn.exec(
                    QStringLiteral(
                        "INSERT INTO conversations AS c (conversation_id, tenant_id, flow_type, title, "
                        "flow_metadata) VALUES (?::uuid, ?, ?, ?, ?::jsonb) RETURNING ") +
                        rows::kConversationColumns,
                    {uuidText(id), tenantId, flowType, title, metadataJson}, what);
                if (!inserted)
                    return inserted.error();
                if (!inserted.value()->next())
                    return makeError(ErrorCode::DatabaseError,
                                     QStringLiteral("create conversation returned no row"));
                return rows::readConversation(*inserted.value());
            });
        });
}

Async<core::Conversation> ConversationRepository::getConversation(const QString &tenantId,
                                                                  const QUuid &conversationId)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<core::Conversation>(ok.error());
    return m_executor.run<core::Conversation>([=](sql::DbConnection &conn) -> Result<core::Conversation> {
        auto query = conn.exec(QStringLiteral("SELECT ") + rows::kConversationColumns +
                                   QStringLiteral(" FROM conversations c WHERE c.conversation_id = ?::uuid "
                                                  "AND c.tenant_id = ?"),
                               {uuidText(conversationId), tenantId}, QStringLiteral("get conversation"));
        if (!query)
            return query.error();
        if (!query.value()->next())
            return notFound(conversationId);
        return rows::readConversation(*query.value());
    });
}

Async<core::Conversation>
ConversationRepository::createConversationWithMessages(const QString &tenantId, const QString &flowType,
                                                       const QList<NewMessage> &messages)
{
    for (const core::Status &check : {core::validateTenantId(tenantId), core::validateFlowType(flowType)}) {
        if (!check)
            return core::failedAsync<core::Conversation>(check.error());
    }
    if (messages.isEmpty() || messages.size() > core::limits::kMaxMessagesPerSave) {
        return core::failedAsync<core::Conversation>(makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("messages: between 1 and %1 messages").arg(core::limits::kMaxMessagesPerSave),
            {{QStringLiteral("field"), QStringLiteral("messages")}}));
    }
    QVariantList messageBinds;
    QStringList values;
    for (qsizetype i = 0; i < messages.size(); ++i) {
        const NewMessage &m = messages.at(i);
        if (auto ok = validateNewMessage(m); !ok)
            return core::failedAsync<core::Conversation>(ok.error());
        if (!m.toolCalls.isEmpty() || m.role == core::Role::Tool) {
            // A history without the tools that produced it cannot be replayed to a provider.
            return core::failedAsync<core::Conversation>(
                makeError(ErrorCode::InvalidArgument,
                          QStringLiteral("messages: a new conversation's history holds no tool calls"),
                          {{QStringLiteral("field"), QStringLiteral("messages")}}));
        }
        values.append(QStringLiteral("(%1, ?::text, ?::text, ?::text)").arg(i));
        messageBinds << core::roleName(m.role) << m.content << core::toCompactJsonString(m.metadata);
    }
    const QUuid id = QUuid::createUuid();
    const QString messagesSql =
        QStringLiteral(
            "INSERT INTO messages (conversation_id, tenant_id, flow_type, role, content, "
            "message_metadata, created_at) "
            "SELECT c.conversation_id, c.tenant_id, c.flow_type, v.role, v.content, v.meta::jsonb, "
            "c.updated_at FROM conversations c CROSS JOIN (VALUES ") +
        values.join(QStringLiteral(", ")) +
        QStringLiteral(") AS v(ord, role, content, meta) WHERE c.conversation_id = ?::uuid ORDER BY v.ord");
    messageBinds << uuidText(id);
    const int count = static_cast<int>(messages.size());
    // One transaction: the conversation appears with its whole history or not at all.
    return m_executor.runGrouped<core::Conversation>(
        lockKey(tenantId), [=](sql::DbConnection &conn) -> Result<core::Conversation> {
            return conn.transaction([&]() -> Result<core::Conversation> {
                const QString what = QStringLiteral("create conversation with messages");
                auto created = conn.exec(
                    QStringLiteral(
                        "WITH t AS (INSERT INTO tenants (tenant_id, conversation_count) VALUES (?, 1) "
                        "ON CONFLICT (tenant_id) DO UPDATE SET conversation_count = "
                        "tenants.conversation_count + 1 RETURNING tenant_id) "
                        "INSERT INTO conversations AS c (conversation_id, tenant_id, flow_type, title, "
                        "message_count, created_at, updated_at) "
                        "SELECT ?::uuid, t.tenant_id, ?, '', ?, clock_timestamp(), clock_timestamp() FROM t "
                        "RETURNING ") +
                        rows::kConversationColumns,
                    {tenantId, uuidText(id), flowType, count}, what);
                if (!created)
                    return created.error();
                if (!created.value()->next())
                    return makeError(ErrorCode::DatabaseError, what + QStringLiteral(" returned no row"));
                const core::Conversation conversation = rows::readConversation(*created.value());
                if (auto inserted = conn.exec(messagesSql, messageBinds, what); !inserted)
                    return inserted.error();
                return conversation;
            });
        });
}

Async<core::Conversation> ConversationRepository::setTitle(const QString &tenantId,
                                                           const QUuid &conversationId, const QString &title)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<core::Conversation>(ok.error());
    if (auto ok = core::validateTitle(title); !ok)
        return core::failedAsync<core::Conversation>(ok.error());
    return m_executor.run<core::Conversation>([=](sql::DbConnection &conn) -> Result<core::Conversation> {
        auto query = conn.exec(
            QStringLiteral("UPDATE conversations AS c SET title = ? WHERE c.conversation_id = ?::uuid "
                           "AND c.tenant_id = ? RETURNING ") +
                rows::kConversationColumns,
            {title, uuidText(conversationId), tenantId}, QStringLiteral("set title"));
        if (!query)
            return query.error();
        if (!query.value()->next())
            return notFound(conversationId);
        return rows::readConversation(*query.value());
    });
}

Async<QList<core::Message>> ConversationRepository::saveMessages(const QString &tenantId,
                                                                 const QUuid &conversationId,
                                                                 const QList<NewMessage> &messages)
{
    auto statement = appendMessages(tenantId, conversationId, messages, nullptr);
    if (!statement)
        return core::failedAsync<QList<core::Message>>(statement.error());
    return m_executor.runGrouped<QList<core::Message>>(
        lockKey(tenantId, conversationId),
        [st = std::move(statement).value(),
         conversationId](sql::DbConnection &conn) -> Result<QList<core::Message>> {
            auto query = conn.exec(st.sql, st.binds, QStringLiteral("save messages"));
            if (!query)
                return query.error();
            QList<core::Message> saved;
            while (query.value()->next())
                saved.append(rows::readMessage(*query.value()));
            if (saved.isEmpty())
                return notFound(conversationId);
            return saved;
        });
}

Async<core::Message> ConversationRepository::saveMessage(const QString &tenantId, const QUuid &conversationId,
                                                         const NewMessage &message)
{
    QFuture<Result<QList<core::Message>>> saved = saveMessages(tenantId, conversationId, {message});
    return saved.then([](const Result<QList<core::Message>> &result) -> Result<core::Message> {
        if (!result)
            return result.error();
        return result->constFirst();
    });
}

Async<QList<core::Message>> ConversationRepository::history(const QString &tenantId,
                                                            const QUuid &conversationId, int limit)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<QList<core::Message>>(ok.error());
    if (auto ok = core::validateLimit(limit, core::limits::kMaxHistory, QStringLiteral("limit")); !ok)
        return core::failedAsync<QList<core::Message>>(ok.error());
    // One round trip: the conversation row proves existence and tenancy; the lateral join takes
    // the newest `limit` messages, which are then returned oldest first.
    const QString sql = QStringLiteral("SELECT c.id, ") + rows::kMessageColumns +
                        QStringLiteral(" FROM conversations c LEFT JOIN LATERAL (SELECT * FROM messages x "
                                       "WHERE x.conversation_id = c.conversation_id "
                                       "ORDER BY x.created_at DESC, x.id DESC LIMIT ?) m ON true "
                                       "WHERE c.conversation_id = ?::uuid AND c.tenant_id = ? "
                                       "ORDER BY m.created_at, m.id");
    return m_executor.run<QList<core::Message>>([=](sql::DbConnection &conn) -> Result<QList<core::Message>> {
        auto query =
            conn.exec(sql, {limit, uuidText(conversationId), tenantId}, QStringLiteral("load history"));
        if (!query)
            return query.error();
        QList<core::Message> messages;
        bool found = false;
        while (query.value()->next()) {
            found = true;
            if (!query.value()->isNull(1))
                messages.append(rows::readMessage(*query.value(), 1));
        }
        if (!found)
            return notFound(conversationId);
        return messages;
    });
}

Async<core::Page<core::Message>> ConversationRepository::messages(const core::MessageQuery &q)
{
    if (auto ok = validateScope(q.tenantId, q.conversationId); !ok)
        return core::failedAsync<core::Page<core::Message>>(ok.error());
    if (auto ok = core::validateLimit(q.limit, core::limits::kMaxPageSize, QStringLiteral("limit")); !ok)
        return core::failedAsync<core::Page<core::Message>>(ok.error());
    Cursor after;
    const bool hasCursor = !q.cursor.isEmpty();
    if (hasCursor) {
        auto decoded = decodeCursor(q.cursor);
        if (!decoded)
            return core::failedAsync<core::Page<core::Message>>(decoded.error());
        after = decoded.value();
    }
    QVariantList binds{q.limit + 1};
    QString keyset;
    if (hasCursor) {
        keyset = QStringLiteral(
            " AND (x.created_at, x.id) > (timestamptz 'epoch' + ? * interval '1 microsecond', ?)");
        binds << after.micros << after.id;
    }
    binds << uuidText(q.conversationId) << q.tenantId;
    const QString sql = QStringLiteral("SELECT c.id, ") + rows::kMessageColumns +
                        QStringLiteral(" FROM conversations c LEFT JOIN LATERAL (SELECT * FROM messages x "
                                       "WHERE x.conversation_id = c.conversation_id") +
                        keyset +
                        QStringLiteral(" ORDER BY x.created_at, x.id LIMIT ?) m ON true "
                                       "WHERE c.conversation_id = ?::uuid AND c.tenant_id = ? "
                                       "ORDER BY m.created_at, m.id");
    // LIMIT comes after the keyset in the text: order the binds to match.
    binds.move(0, hasCursor ? 2 : 0);
    const int limit = q.limit;
    const QUuid conversationId = q.conversationId;
    return m_executor.run<core::Page<core::Message>>(
        [=](sql::DbConnection &conn) -> Result<core::Page<core::Message>> {
            auto query = conn.exec(sql, binds, QStringLiteral("list messages"));
            if (!query)
                return query.error();
            core::Page<core::Message> page;
            bool found = false;
            QString lastCursor;
            while (query.value()->next()) {
                found = true;
                if (query.value()->isNull(1))
                    continue;
                if (page.items.size() == limit) {
                    page.nextCursor = lastCursor;
                    break;
                }
                page.items.append(rows::readMessage(*query.value(), 1));
                lastCursor = rows::messageCursor(*query.value(), 1);
            }
            if (!found)
                return notFound(conversationId);
            return page;
        });
}

Async<core::Page<core::Conversation>>
ConversationRepository::listConversations(const core::ConversationQuery &q)
{
    if (auto ok = core::validateTenantId(q.tenantId); !ok)
        return core::failedAsync<core::Page<core::Conversation>>(ok.error());
    if (!q.flowType.isEmpty()) {
        if (auto ok = core::validateFlowType(q.flowType); !ok)
            return core::failedAsync<core::Page<core::Conversation>>(ok.error());
    }
    if (auto ok = core::validateLimit(q.limit, core::limits::kMaxPageSize, QStringLiteral("limit")); !ok)
        return core::failedAsync<core::Page<core::Conversation>>(ok.error());
    // Four statement shapes rather than "? IS NULL OR …", so each keeps an index-only plan.
    QString sql = QStringLiteral("SELECT ") + rows::kConversationColumns +
                  QStringLiteral(" FROM conversations c WHERE c.tenant_id = ?");
    QVariantList binds{q.tenantId};
    if (!q.flowType.isEmpty()) {
        sql += QStringLiteral(" AND c.flow_type = ?");
        binds << q.flowType;
    }
    if (auto paged = rows::appendNewestFirstPage(sql, binds, QStringLiteral("c.updated_at"),
                                                 QStringLiteral("c.id"), q.cursor, q.limit);
        !paged)
        return core::failedAsync<core::Page<core::Conversation>>(paged.error());
    const int limit = q.limit;
    return m_executor.run<core::Page<core::Conversation>>(
        [=](sql::DbConnection &conn) -> Result<core::Page<core::Conversation>> {
            auto query = conn.exec(sql, binds, QStringLiteral("list conversations"));
            if (!query)
                return query.error();
            return rows::readPage<core::Conversation>(
                *query.value(), limit, [](const QSqlQuery &row) { return rows::readConversation(row); },
                [](const QSqlQuery &row) { return rows::conversationCursor(row); });
        });
}

Async<QList<core::SearchHit>> ConversationRepository::search(const core::SearchQuery &q)
{
    if (auto ok = core::validateTenantId(q.tenantId); !ok)
        return core::failedAsync<QList<core::SearchHit>>(ok.error());
    if (q.text.trimmed().isEmpty() || q.text.size() > 1000) {
        return core::failedAsync<QList<core::SearchHit>>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("q: search text must be 1-1000 characters"),
                      {{QStringLiteral("field"), QStringLiteral("q")}}));
    }
    if (!q.flowType.isEmpty()) {
        if (auto ok = core::validateFlowType(q.flowType); !ok)
            return core::failedAsync<QList<core::SearchHit>>(ok.error());
    }
    if (auto ok = core::validateLimit(q.limit, core::limits::kMaxPageSize, QStringLiteral("limit")); !ok)
        return core::failedAsync<QList<core::SearchHit>>(ok.error());
    QString sql = QStringLiteral("SELECT m.id, m.conversation_id, m.flow_type, c.title, m.role, "
                                 "ts_headline('simple', left(m.content, 20000), q, 'StartSel=[[, StopSel=]], "
                                 "MaxWords=30, MinWords=8'), "
                                 "m.created_at FROM websearch_to_tsquery('simple', ?) q, messages m "
                                 "JOIN conversations c ON c.conversation_id = m.conversation_id "
                                 "WHERE m.tenant_id = ? AND m.search_vector @@ q");
    QVariantList binds{q.text, q.tenantId};
    if (!q.flowType.isEmpty()) {
        sql += QStringLiteral(" AND m.flow_type = ?");
        binds << q.flowType;
    }
    sql += QStringLiteral(" ORDER BY m.created_at DESC, m.id DESC LIMIT ?");
    binds << q.limit;
    return m_executor.run<QList<core::SearchHit>>(
        [=](sql::DbConnection &conn) -> Result<QList<core::SearchHit>> {
            auto query = conn.exec(sql, binds, QStringLiteral("search"));
            if (!query)
                return query.error();
            QList<core::SearchHit> hits;
            while (query.value()->next()) {
                const QSqlQuery &row = *query.value();
                core::SearchHit hit;
                hit.messageId = row.value(0).toLongLong();
                hit.conversationId = QUuid::fromString(row.value(1).toString());
                hit.flowType = row.value(2).toString();
                hit.conversationTitle = row.value(3).toString();
                hit.role = core::roleFromName(row.value(4).toString()).value_or(core::Role::User);
                hit.snippet = row.value(5).toString();
                hit.createdAt = rows::readTimestamp(row.value(6));
                hits.append(hit);
            }
            return hits;
        });
}

Async<bool> ConversationRepository::deleteConversation(const QString &tenantId, const QUuid &conversationId)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<bool>(ok.error());
    return m_executor.run<bool>([=](sql::DbConnection &conn) -> Result<bool> {
        return conn.transaction([&]() -> Result<bool> {
            const QString what = QStringLiteral("delete conversation");
            auto deleted =
                conn.exec(QStringLiteral("DELETE FROM conversations WHERE conversation_id = ?::uuid "
                                         "AND tenant_id = ? RETURNING 1"),
                          {uuidText(conversationId), tenantId}, what);
            if (!deleted)
                return deleted.error();
            if (!deleted.value()->next())
                return notFound(conversationId);
            auto counted =
                conn.exec(QStringLiteral("UPDATE tenants SET conversation_count = conversation_count - 1 "
                                         "WHERE tenant_id = ?"),
                          {tenantId}, what);
            if (!counted)
                return counted.error();
            return true;
        });
    });
}

} // namespace agency::db
