// ConversationRepository: what a chat turn writes, under its lease (migration 0006).
#include "conversationrepository.h"

#include "conversationsql.h"
#include "core/json.h"
#include "core/limits.h"
#include "core/text.h"
#include "core/validation.h"
#include "rowmapping.h"
#include "sql/dbexecutor.h"

#include <QJsonArray>

#include <algorithm>

namespace agency::db {

using core::Async;
using core::ErrorCode;
using core::makeError;
using core::Result;
using namespace conversationsql;

namespace {

core::Error turnInProgress(const QUuid &id)
{
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("a reply is still being written in conversation %1; try again when it "
                                    "is finished")
                         .arg(uuidText(id)),
                     {{QStringLiteral("reason"), QStringLiteral("turn_in_progress")},
                      {QStringLiteral("conversation_id"), uuidText(id)}});
}

core::Error leaseLost(const QUuid &id)
{
    return makeError(ErrorCode::Conflict,
                     QStringLiteral("this reply was not stored: its turn lost conversation %1 to another "
                                    "turn after the database did not answer for too long")
                         .arg(uuidText(id)),
                     {{QStringLiteral("reason"), QStringLiteral("lease_lost")},
                      {QStringLiteral("conversation_id"), uuidText(id)}});
}

QVariant leaseMs(const TurnLease &lease)
{
    return lease.turnId.isNull() ? QVariant() : QVariant(lease.leaseMs);
}

QVariant turnIdBind(const QUuid &turnId)
{
    return turnId.isNull() ? QVariant() : QVariant(uuidText(turnId));
}

QList<core::Message> readMessages(QSqlQuery &query)
{
    QList<core::Message> out;
    while (query.next())
        out.append(rows::readMessage(query));
    return out;
}

// The two statements that open a turn. Each stores the conversation row `c` (created, or bumped
// under its tenant and flow while no other turn holds its lease: no row, no insert) then the
// user message stamped with its activity time. clock_timestamp(), not now(): in a commit group
// now() is the same for every turn of the group. Creating is idempotent: a retry finds the
// conversation there and bumps no counter. Both read agency_defer_flush (DbConnection::
// deferFlushCte()), which changes nothing unless :defer_flush is true, so a deferred flush is a
// parameter and not a third and fourth statement.

const QString kUserMessageCte = QStringLiteral(
    "ins AS (INSERT INTO messages AS m (conversation_id, tenant_id, flow_type, role, content, created_at, "
    "turn_id) SELECT c.conversation_id, c.tenant_id, c.flow_type, 'user', :content, c.updated_at, "
    ":turn_id::uuid FROM c RETURNING ");

// A lease taken over after it expired belonged to a turn that never finished: its process died
// (or the database was away longer than the lease). Its user message is marked, so readers see
// the question was never answered. The CTE reads the holder from the statement's snapshot, before
// `c` replaces it; the update (run whether or not it is read) changes rows only when `c` took
// the lease.
const QString kMarkInterruptedCte = QStringLiteral(
    "dead AS (SELECT turn_holder FROM conversations WHERE conversation_id = :conversation_id::uuid "
    "AND tenant_id = :tenant_id AND turn_holder IS NOT NULL AND turn_expires_at < clock_timestamp()), "
    "marked AS (UPDATE messages m SET message_metadata = COALESCE(m.message_metadata, '{}'::jsonb) || "
    "'{\"turn_status\": \"interrupted\"}'::jsonb FROM dead WHERE m.conversation_id = :conversation_id::uuid "
    "AND m.turn_id = dead.turn_holder AND m.role = 'user' AND EXISTS (SELECT 1 FROM c) RETURNING 1), ");

const QString &openNewSql()
{
    static const QString sql =
        QStringLiteral("WITH ") + sql::DbConnection::deferFlushCte() +
        QStringLiteral(
            ", t AS (INSERT INTO tenants (tenant_id, conversation_count) SELECT :tenant_id, 1 "
            "WHERE NOT EXISTS (SELECT 1 FROM conversations WHERE conversation_id = :conversation_id::uuid) "
            "AND NOT EXISTS (SELECT 1 FROM messages WHERE tenant_id = :tenant_id AND turn_id = "
            ":turn_id::uuid "
            "AND role = 'user') "
            "ON CONFLICT (tenant_id) DO UPDATE SET conversation_count = tenants.conversation_count + 1 "
            "RETURNING tenant_id), "
            "c AS (INSERT INTO conversations (conversation_id, tenant_id, flow_type, title, message_count, "
            "created_at, updated_at, turn_holder, turn_expires_at) "
            "SELECT :conversation_id::uuid, t.tenant_id, :flow_type, :title, 1, clock_timestamp(), "
            "clock_timestamp(), :turn_id::uuid, clock_timestamp() + :lease_ms::integer * interval '1 "
            "millisecond' "
            "FROM t ON CONFLICT (conversation_id) DO NOTHING "
            "RETURNING conversation_id, tenant_id, flow_type, updated_at, message_count), ") +
        kUserMessageCte + rows::kMessageColumns +
        QStringLiteral(") SELECT c.message_count, ins.* FROM ins, c, agency_defer_flush");
    return sql;
}

// Also reads the history: from the statement's snapshot, so the earlier messages only, the
// newest historyLimit - 1 of them (:earlier_messages), plus the user message from `ins`. Tenant
// and flow are proven by `c`; a tenant filter on messages here would make the planner sort the
// whole conversation instead of reading the index backwards.
const QString &openExistingSql()
{
    static const QString sql =
        QStringLiteral("WITH ") + sql::DbConnection::deferFlushCte() +
        QStringLiteral(
            ", c AS (UPDATE conversations SET updated_at = clock_timestamp(), "
            "message_count = message_count + 1, title = CASE WHEN title = '' THEN :title ELSE title END, "
            "turn_holder = :turn_id::uuid, "
            "turn_expires_at = clock_timestamp() + :lease_ms::integer * interval '1 millisecond' "
            "WHERE conversation_id = :conversation_id::uuid AND tenant_id = :tenant_id AND flow_type = "
            ":flow_type "
            "AND (turn_holder IS NULL OR turn_expires_at < clock_timestamp()) "
            "AND NOT EXISTS (SELECT 1 FROM messages WHERE tenant_id = :tenant_id AND turn_id = "
            ":turn_id::uuid "
            "AND role = 'user') "
            "RETURNING conversation_id, tenant_id, flow_type, updated_at, message_count), ") +
        kMarkInterruptedCte + kUserMessageCte + rows::kMessageColumns +
        QStringLiteral(") SELECT c.message_count, ins.* FROM ins, c, agency_defer_flush "
                       "UNION ALL (SELECT 0, ") +
        rows::kPromptMessageColumns +
        QStringLiteral(" FROM messages m WHERE m.conversation_id = :conversation_id::uuid "
                       "AND EXISTS (SELECT 1 FROM c) "
                       "ORDER BY m.created_at DESC, m.id DESC LIMIT :earlier_messages)");
    return sql;
}

} // namespace

Async<TurnOpening> ConversationRepository::openTurn(const QString &tenantId, const QString &flowType,
                                                    const QUuid &conversationId, const QString &title,
                                                    const QString &userMessage, int historyLimit)
{
    TurnOpenRequest request;
    request.tenantId = tenantId;
    request.flowType = flowType;
    request.create = conversationId.isNull();
    request.conversationId = request.create ? QUuid::createUuid() : conversationId;
    request.title = title;
    request.userMessage = userMessage;
    request.historyLimit = historyLimit;
    return openTurn(request);
}

Async<TurnOpening> ConversationRepository::openTurn(const TurnOpenRequest &r)
{
    for (const core::Status &check :
         {core::validateTenantId(r.tenantId), core::validateFlowType(r.flowType),
          core::validateTitle(r.title), core::validateContent(r.userMessage),
          core::validateLimit(r.historyLimit, core::limits::kMaxHistory, QStringLiteral("limit"))}) {
        if (!check)
            return core::failedAsync<TurnOpening>(check.error());
    }
    if (r.conversationId.isNull()) {
        return core::failedAsync<TurnOpening>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("conversation_id: ") + core::uuidRule()));
    }
    const QString id = uuidText(r.conversationId);
    const QVariant holder = turnIdBind(r.lease.turnId);
    QVariantMap binds{
        {QStringLiteral(":tenant_id"), r.tenantId}, {QStringLiteral(":conversation_id"), id},
        {QStringLiteral(":flow_type"), r.flowType}, {QStringLiteral(":title"), r.title},
        {QStringLiteral(":turn_id"), holder},       {QStringLiteral(":lease_ms"), leaseMs(r.lease)},
        {QStringLiteral(":content"), r.userMessage}};
    if (!r.create)
        binds.insert(QStringLiteral(":earlier_messages"), r.historyLimit - 1);
    const QString &sql = r.create ? openNewSql() : openExistingSql();
    auto job = [=](sql::DbConnection &conn) -> Result<TurnOpening> {
        QVariantMap all = binds;
        all.insert(QStringLiteral(":defer_flush"), r.deferFlush ? conn.deferFlushBind() : QVariant(false));
        auto query = conn.execNamed(sql, all, QStringLiteral("open turn"));
        if (!query)
            return query.error();
        TurnOpening opened;
        opened.conversationId = r.conversationId;
        opened.created = r.create;
        // The first column is the conversation's new message count on the stored row, 0 on
        // the history rows.
        bool stored = false;
        while (query.value()->next()) {
            if (const qint64 count = query.value()->value(0).toLongLong(); count > 0) {
                stored = true;
                opened.messageCount = count;
            }
            opened.history.append(rows::readMessage(*query.value(), 1));
        }
        if (!stored) {
            // Not found, another turn's lease, or this very opening stored already (a retry
            // after its acknowledgement was lost): tell them apart.
            auto state = conn.exec(
                QStringLiteral("SELECT c.turn_holder IS NOT NULL AND c.turn_expires_at >= clock_timestamp(), "
                               "EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.conversation_id "
                               "AND m.turn_id = ?::uuid), c.message_count FROM conversations c "
                               "WHERE c.conversation_id = ?::uuid AND c.tenant_id = ? AND c.flow_type = ?"),
                {holder, id, r.tenantId, r.flowType}, QStringLiteral("open turn"));
            if (!state)
                return state.error();
            if (!state.value()->next()) {
                // A new conversation's turn id already stored in another conversation of the
                // tenant (a resend racing its first copy): the caller looks that turn up.
                if (r.create && !r.lease.turnId.isNull())
                    return turnInProgress(r.conversationId);
                return notFound(r.conversationId);
            }
            if (!state.value()->value(1).toBool())
                return turnInProgress(r.conversationId);
            opened.messageCount = state.value()->value(2).toLongLong();
            auto history = conn.exec(QStringLiteral("SELECT ") + rows::kPromptMessageColumns +
                                         QStringLiteral(" FROM messages m WHERE m.conversation_id = ?::uuid "
                                                        "ORDER BY m.created_at DESC, m.id DESC LIMIT ?"),
                                     {id, r.historyLimit}, QStringLiteral("open turn"));
            if (!history)
                return history.error();
            opened.history = readMessages(*history.value());
        }
        // The user message is the newest: it sorts last.
        std::sort(opened.history.begin(), opened.history.end(),
                  [](const core::Message &a, const core::Message &b) {
                      return a.createdAt != b.createdAt ? a.createdAt < b.createdAt : a.id < b.id;
                  });
        return opened;
    };
    const QString key = lockKey(r.tenantId, r.create ? QUuid() : r.conversationId);
    return r.deferFlush ? m_executor.runGroupedDeferringFlush<TurnOpening>(key, std::move(job), r.gate)
                        : m_executor.runGrouped<TurnOpening>(key, std::move(job), r.gate);
}

Async<QList<core::Message>> ConversationRepository::saveTurnMessages(const QString &tenantId,
                                                                     const QUuid &conversationId,
                                                                     const QList<NewMessage> &messages,
                                                                     const TurnWrite &write)
{
    if (write.lease.turnId.isNull()) {
        return core::failedAsync<QList<core::Message>>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("a turn write needs its turn id")));
    }
    auto statement = appendMessages(tenantId, conversationId, messages, &write);
    if (!statement)
        return core::failedAsync<QList<core::Message>>(statement.error());
    const qsizetype count = messages.size();
    return m_executor.runGrouped<QList<core::Message>>(
        lockKey(tenantId, conversationId),
        [st = std::move(statement).value(), tenantId, conversationId, write,
         count](sql::DbConnection &conn) -> Result<QList<core::Message>> {
            const QString what = QStringLiteral("save messages");
            auto query = conn.exec(st.sql, st.binds, what);
            if (!query)
                return query.error();
            QList<core::Message> saved = readMessages(*query.value());
            if (!saved.isEmpty())
                return saved;
            // Not stored now: the conversation is gone, the lease was lost, or this very write
            // was stored before and its acknowledgement lost (then its rows are there, and the
            // message count has moved past messageCountBefore).
            const QString turnId = uuidText(write.lease.turnId);
            auto mine =
                conn.exec(QStringLiteral("SELECT (SELECT count(*) FROM messages m WHERE "
                                         "m.conversation_id = c.conversation_id AND m.turn_id = ?::uuid) "
                                         "FROM conversations c WHERE c.conversation_id = ?::uuid "
                                         "AND c.tenant_id = ?"),
                          {turnId, uuidText(conversationId), tenantId}, what);
            if (!mine)
                return mine.error();
            if (!mine.value()->next())
                return notFound(conversationId);
            if (mine.value()->value(0).toLongLong() != write.storedBefore + count)
                return leaseLost(conversationId);
            auto again = conn.exec(QStringLiteral("SELECT ") + rows::kMessageColumns +
                                       QStringLiteral(" FROM messages m WHERE m.conversation_id = ?::uuid "
                                                      "AND m.turn_id = ?::uuid ORDER BY m.created_at, m.id "
                                                      "OFFSET ?"),
                                   {uuidText(conversationId), turnId, write.storedBefore}, what);
            if (!again)
                return again.error();
            return readMessages(*again.value());
        },
        write.gate);
}

Async<StoredTurn> ConversationRepository::findTurn(const QString &tenantId, const QUuid &turnId)
{
    if (auto ok = core::validateTenantId(tenantId); !ok)
        return core::failedAsync<StoredTurn>(ok.error());
    if (turnId.isNull())
        return core::failedAsync<StoredTurn>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("turn_id: ") + core::uuidRule()));
    const QVariantList binds{tenantId, uuidText(turnId)};
    return m_executor.run<StoredTurn>([binds](sql::DbConnection &conn) -> Result<StoredTurn> {
        const QString what = QStringLiteral("find turn");
        // The user message is found through the tenant's turn-id index; the turn's other
        // messages are in the same conversation.
        auto query = conn.exec(
            QStringLiteral("SELECT c.flow_type, c.turn_holder = u.turn_id AND c.turn_expires_at >= "
                           "clock_timestamp(), ") +
                rows::kMessageColumns +
                QStringLiteral(
                    " FROM messages u JOIN conversations c ON c.conversation_id = u.conversation_id "
                    "AND c.tenant_id = u.tenant_id JOIN messages m ON m.conversation_id = "
                    "u.conversation_id AND m.turn_id = u.turn_id WHERE u.tenant_id = ? AND "
                    "u.turn_id = ?::uuid AND u.role = 'user' ORDER BY m.created_at, m.id"),
            binds, what);
        if (!query)
            return query.error();
        StoredTurn turn;
        while (query.value()->next()) {
            turn.found = true;
            turn.flowType = query.value()->value(0).toString();
            turn.running = query.value()->value(1).toBool();
            turn.messages.append(rows::readMessage(*query.value(), 2));
        }
        if (turn.found) {
            turn.conversationId = turn.messages.constFirst().conversationId;
            turn.userMessage = turn.messages.constFirst().content;
        }
        return turn;
    });
}

Async<TurnOpening> ConversationRepository::resumeTurn(const TurnOpenRequest &r)
{
    if (auto ok = validateScope(r.tenantId, r.conversationId); !ok)
        return core::failedAsync<TurnOpening>(ok.error());
    if (r.lease.turnId.isNull())
        return core::failedAsync<TurnOpening>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("resuming a turn needs its turn id")));
    const QString id = uuidText(r.conversationId);
    const QVariantList take{uuidText(r.lease.turnId), r.lease.leaseMs, id, r.tenantId, r.flowType};
    auto job = [=](sql::DbConnection &conn) -> Result<TurnOpening> {
        const QString what = QStringLiteral("resume turn");
        // Taken only when free or expired: a turn still running elsewhere keeps it. The mark of
        // an interrupted turn goes, since it is being answered now.
        auto taken = conn.exec(
            QStringLiteral(
                "WITH c AS (UPDATE conversations SET turn_holder = ?::uuid, turn_expires_at = "
                "clock_timestamp() + ?::integer * interval '1 millisecond' WHERE conversation_id = "
                "?::uuid AND tenant_id = ? AND flow_type = ? AND (turn_holder IS NULL OR "
                "turn_expires_at < clock_timestamp()) RETURNING conversation_id, turn_holder, "
                "message_count), "
                "u AS (UPDATE messages m SET message_metadata = m.message_metadata - 'turn_status' "
                "FROM c WHERE m.conversation_id = c.conversation_id AND m.turn_id = c.turn_holder "
                "AND m.role = 'user' RETURNING 1) "
                "SELECT c.message_count, (SELECT count(*) FROM messages m WHERE m.conversation_id = "
                "c.conversation_id AND m.turn_id = c.turn_holder) FROM c"),
            take, what);
        if (!taken)
            return taken.error();
        if (!taken.value()->next())
            return turnInProgress(r.conversationId);
        TurnOpening opened;
        opened.conversationId = r.conversationId;
        opened.messageCount = taken.value()->value(0).toLongLong();
        opened.storedByTurn = taken.value()->value(1).toInt();
        auto history = conn.exec(QStringLiteral("SELECT ") + rows::kPromptMessageColumns +
                                     QStringLiteral(" FROM messages m WHERE m.conversation_id = ?::uuid "
                                                    "ORDER BY m.created_at DESC, m.id DESC LIMIT ?"),
                                 {id, r.historyLimit}, what);
        if (!history)
            return history.error();
        opened.history = readMessages(*history.value());
        std::reverse(opened.history.begin(), opened.history.end());
        return opened;
    };
    return m_executor.runGrouped<TurnOpening>(lockKey(r.tenantId, r.conversationId), std::move(job), r.gate);
}

Async<bool> ConversationRepository::markInterruptedTurn(const QString &tenantId, const QUuid &conversationId)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<bool>(ok.error());
    const QVariantList binds{uuidText(conversationId), tenantId};
    return m_executor.run<bool>([binds](sql::DbConnection &conn) -> Result<bool> {
        // The lease is cleared with the mark, in one statement: only one reader marks it.
        auto query = conn.exec(
            QStringLiteral(
                "WITH dead AS (SELECT turn_holder FROM conversations WHERE conversation_id = "
                "?::uuid AND tenant_id = ? AND turn_holder IS NOT NULL AND turn_expires_at < "
                "clock_timestamp() FOR UPDATE), "
                "freed AS (UPDATE conversations c SET turn_holder = NULL, turn_expires_at = NULL "
                "FROM dead WHERE c.conversation_id = ?::uuid AND c.turn_holder = dead.turn_holder "
                "RETURNING dead.turn_holder) "
                "UPDATE messages m SET message_metadata = COALESCE(m.message_metadata, '{}'::jsonb) "
                "|| '{\"turn_status\": \"interrupted\"}'::jsonb FROM freed WHERE "
                "m.conversation_id = ?::uuid AND m.turn_id = freed.turn_holder AND m.role = 'user' "
                "RETURNING 1"),
            binds + QVariantList{binds.at(0), binds.at(0)}, QStringLiteral("mark interrupted turn"));
        if (!query)
            return query.error();
        return query.value()->next();
    });
}

Async<bool> ConversationRepository::renewTurnLease(const QString &tenantId, const QUuid &conversationId,
                                                   const TurnLease &lease)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<bool>(ok.error());
    const QVariantList binds{lease.leaseMs, uuidText(conversationId), tenantId, uuidText(lease.turnId)};
    return m_executor.run<bool>([binds](sql::DbConnection &conn) -> Result<bool> {
        auto query = conn.exec(
            QStringLiteral("UPDATE conversations SET turn_expires_at = clock_timestamp() + ?::integer * "
                           "interval '1 millisecond' WHERE conversation_id = ?::uuid AND tenant_id = ? "
                           "AND turn_holder = ?::uuid RETURNING 1"),
            binds, QStringLiteral("renew turn lease"));
        if (!query)
            return query.error();
        return query.value()->next();
    });
}

Async<bool> ConversationRepository::releaseTurnLease(const QString &tenantId, const QUuid &conversationId,
                                                     const TurnLease &lease)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<bool>(ok.error());
    const QVariantList binds{uuidText(conversationId), tenantId, uuidText(lease.turnId)};
    return m_executor.run<bool>([binds](sql::DbConnection &conn) -> Result<bool> {
        auto query =
            conn.exec(QStringLiteral("UPDATE conversations SET turn_holder = NULL, turn_expires_at = "
                                     "NULL WHERE conversation_id = ?::uuid AND tenant_id = ? "
                                     "AND turn_holder = ?::uuid RETURNING 1"),
                      binds, QStringLiteral("release turn lease"));
        if (!query)
            return query.error();
        return query.value()->next();
    });
}

Async<QSet<QString>> ConversationRepository::usedToolCallIds(const QString &tenantId,
                                                             const QUuid &conversationId,
                                                             const QStringList &ids)
{
    if (auto ok = validateScope(tenantId, conversationId); !ok)
        return core::failedAsync<QSet<QString>>(ok.error());
    const QString list = QString::fromUtf8(core::toCompactJson(QJsonArray::fromStringList(ids)));
    const QVariantList binds{uuidText(conversationId), tenantId, list};
    return m_executor.run<QSet<QString>>([binds](sql::DbConnection &conn) -> Result<QSet<QString>> {
        auto query =
            conn.exec(QStringLiteral("SELECT DISTINCT tool_call_id FROM messages WHERE conversation_id = "
                                     "?::uuid AND tenant_id = ? AND tool_call_id IN "
                                     "(SELECT jsonb_array_elements_text(?::jsonb))"),
                      binds, QStringLiteral("look up tool call ids"));
        if (!query)
            return query.error();
        QSet<QString> used;
        while (query.value()->next())
            used.insert(query.value()->value(0).toString());
        return used;
    });
}

} // namespace agency::db
