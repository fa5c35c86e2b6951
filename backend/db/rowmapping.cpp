#include "rowmapping.h"

#include "cursor.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace agency::db::rows {

// Timestamps travel as epoch microseconds: the Qt driver's timestamptz-to-QDateTime decoding costs
// more per row than the index scan itself (measured with bench_repo).
const QString kConversationColumns = QStringLiteral(
    "c.conversation_id, c.tenant_id, c.flow_type, c.title, c.flow_metadata::text, c.message_count, "
    "(extract(epoch FROM c.created_at) * 1000000)::bigint, (extract(epoch FROM c.updated_at) * "
    "1000000)::bigint, "
    "(extract(epoch FROM c.updated_at) * 1000000)::bigint, c.id");

const QString kMessageColumns = QStringLiteral(
    "m.id, m.conversation_id, m.tenant_id, m.flow_type, m.role, m.content, m.tool_calls::text, "
    "m.tool_call_id, m.message_metadata::text, (extract(epoch FROM m.created_at) * 1000000)::bigint, "
    "(extract(epoch FROM m.created_at) * 1000000)::bigint");

const QString kPromptMessageColumns = QStringLiteral(
    "m.id, m.conversation_id, m.tenant_id, m.flow_type, m.role, m.content, m.tool_calls::text, "
    "m.tool_call_id, CASE WHEN m.role = 'tool' THEN m.message_metadata::text END, "
    "(extract(epoch FROM m.created_at) * 1000000)::bigint, (extract(epoch FROM m.created_at) * "
    "1000000)::bigint");

core::Status appendNewestFirstPage(QString &sql, QVariantList &binds, const QString &timeColumn,
                                   const QString &idColumn, const QString &cursor, int limit)
{
    if (!cursor.isEmpty()) {
        auto decoded = decodeCursor(cursor);
        if (!decoded)
            return decoded.error();
        sql += QStringLiteral(" AND (%1, %2) < (timestamptz 'epoch' + ? * interval '1 microsecond', ?)")
                   .arg(timeColumn, idColumn);
        binds << decoded->micros << decoded->id;
    }
    sql += QStringLiteral(" ORDER BY %1 DESC, %2 DESC LIMIT ?").arg(timeColumn, idColumn);
    binds << limit + 1;
    return {};
}

QJsonObject parseObject(const QVariant &jsonText)
{
    if (jsonText.isNull())
        return {};
    return QJsonDocument::fromJson(jsonText.toString().toUtf8()).object();
}

QDateTime readTimestamp(const QVariant &value)
{
    return value.toDateTime().toUTC();
}

QDateTime fromEpochMicros(const QVariant &micros)
{
    return QDateTime::fromMSecsSinceEpoch(micros.toLongLong() / 1000, Qt::UTC);
}

core::Conversation readConversation(const QSqlQuery &query, int offset)
{
    core::Conversation c;
    c.conversationId = QUuid::fromString(query.value(offset + 0).toString());
    c.tenantId = query.value(offset + 1).toString();
    c.flowType = query.value(offset + 2).toString();
    c.title = query.value(offset + 3).toString();
    c.metadata = parseObject(query.value(offset + 4));
    c.messageCount = query.value(offset + 5).toLongLong();
    c.createdAt = fromEpochMicros(query.value(offset + 6));
    c.updatedAt = fromEpochMicros(query.value(offset + 7));
    return c;
}

QString conversationCursor(const QSqlQuery &query, int offset)
{
    return encodeCursor(Cursor{query.value(offset + 8).toLongLong(), query.value(offset + 9).toLongLong()});
}

core::Message readMessage(const QSqlQuery &query, int offset)
{
    core::Message m;
    m.id = query.value(offset + 0).toLongLong();
    m.conversationId = QUuid::fromString(query.value(offset + 1).toString());
    m.tenantId = query.value(offset + 2).toString();
    m.flowType = query.value(offset + 3).toString();
    m.role = core::roleFromName(query.value(offset + 4).toString()).value_or(core::Role::User);
    m.content = query.value(offset + 5).toString();
    const QVariant calls = query.value(offset + 6);
    if (!calls.isNull())
        m.toolCalls = core::toolCallsFromJson(QJsonDocument::fromJson(calls.toString().toUtf8()).array());
    m.toolCallId = query.value(offset + 7).toString();
    m.metadata = parseObject(query.value(offset + 8));
    m.createdAt = fromEpochMicros(query.value(offset + 9));
    return m;
}

QString messageCursor(const QSqlQuery &query, int offset)
{
    return encodeCursor(Cursor{query.value(offset + 10).toLongLong(), query.value(offset + 0).toLongLong()});
}

} // namespace agency::db::rows
