#include "datasetgenerator.h"

#include "markdowntext.h"

#include "sql/dbconnection.h"
#include "sql/migrator.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QTimeZone>

#include <cstdio>
#include <libpq-fe.h>
#include <memory>

namespace agency::bench {

using core::ErrorCode;
using core::makeError;

namespace {

const QDateTime kEpoch = QDateTime::fromSecsSinceEpoch(1'735'689'600, QTimeZone::utc()); // 2025-01-01

void progress(const QString &text)
{
    std::fprintf(stderr, "  %s\n", qPrintable(text));
}

struct PgDeleter
{
    void operator()(PGconn *conn) const { PQfinish(conn); }
};
using PgConn = std::unique_ptr<PGconn, PgDeleter>;

core::Status exec(PGconn *conn, const QByteArray &sql)
{
    PGresult *res = PQexec(conn, sql.constData());
    const ExecStatusType status = PQresultStatus(res);
    const bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
    const QString message = QString::fromUtf8(PQresultErrorMessage(res));
    PQclear(res);
    if (!ok)
        return makeError(ErrorCode::DatabaseError,
                         QStringLiteral("%1: %2").arg(QString::fromUtf8(sql.left(80)), message));
    return {};
}

QStringList column(PGconn *conn, const QByteArray &sql)
{
    QStringList values;
    PGresult *res = PQexec(conn, sql.constData());
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
        for (int i = 0; i < PQntuples(res); ++i)
            values.append(QString::fromUtf8(PQgetvalue(res, i, 0)));
    }
    PQclear(res);
    return values;
}

/// Streams COPY rows produced by `fill` (which appends text-format lines to a buffer).
template <typename Fill>
core::Status copyRows(PGconn *conn, const QByteArray &copySql, qint64 rows, Fill fill)
{
    PGresult *res = PQexec(conn, copySql.constData());
    const bool started = PQresultStatus(res) == PGRES_COPY_IN;
    PQclear(res);
    if (!started)
        return makeError(ErrorCode::DatabaseError, QString::fromUtf8(PQerrorMessage(conn)));
    QByteArray buffer;
    buffer.reserve(1 << 20);
    QElapsedTimer timer;
    timer.start();
    for (qint64 i = 0; i < rows; ++i) {
        fill(i, buffer);
        if (buffer.size() > (1 << 20) - 4096) {
            if (PQputCopyData(conn, buffer.constData(), static_cast<int>(buffer.size())) != 1)
                return makeError(ErrorCode::DatabaseError, QString::fromUtf8(PQerrorMessage(conn)));
            buffer.clear();
        }
        if (i > 0 && i % 2'000'000 == 0)
            progress(QStringLiteral("%1 rows (%2 s)").arg(i).arg(timer.elapsed() / 1000));
    }
    if (!buffer.isEmpty() && PQputCopyData(conn, buffer.constData(), static_cast<int>(buffer.size())) != 1)
        return makeError(ErrorCode::DatabaseError, QString::fromUtf8(PQerrorMessage(conn)));
    if (PQputCopyEnd(conn, nullptr) != 1)
        return makeError(ErrorCode::DatabaseError, QString::fromUtf8(PQerrorMessage(conn)));
    res = PQgetResult(conn);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    const QString message = QString::fromUtf8(PQresultErrorMessage(res));
    PQclear(res);
    while ((res = PQgetResult(conn)))
        PQclear(res);
    if (!ok)
        return makeError(ErrorCode::DatabaseError, QStringLiteral("COPY failed: ") + message);
    return {};
}

QByteArray timestamp(qint64 secondsAfterEpoch)
{
    return kEpoch.addSecs(secondsAfterEpoch).toString(Qt::ISODate).toLatin1();
}

// Conversation i starts i*30 s after the epoch (spreading a million over about a year); its
// k-th message is 20 s after the previous one.
qint64 conversationStart(qint64 i)
{
    return i * 30;
}

} // namespace

qint64 DatasetShape::messagesIn(qint64 conversation) const
{
    const qint64 longCount = (conversations + kLongEvery - 1) / kLongEvery;
    if (conversation % kLongEvery == 0)
        return kLongLength;
    // Spread the remaining messages evenly over the short conversations.
    const qint64 shortCount = conversations - longCount;
    const qint64 remaining = std::max<qint64>(0, messages - longCount * kLongLength);
    const qint64 base = shortCount > 0 ? remaining / shortCount : 0;
    const qint64 extra = shortCount > 0 ? remaining % shortCount : 0;
    const qint64 shortIndex = conversation - conversation / kLongEvery - 1;
    return base + (shortIndex < extra ? 1 : 0);
}

QString DatasetShape::conversationUuid(qint64 conversation)
{
    return QStringLiteral("00000000-0000-4000-8000-%1").arg(conversation, 12, 16, QLatin1Char('0'));
}

QString DatasetShape::word(int rank)
{
    // Pronounceable pseudo-words from syllables: a fixed vocabulary with no external data.
    static const char *const syllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "zi", "pe", "sa",
                                            "do", "fi", "gu", "ha", "je", "bo", "ly", "qu", "wa", "xe"};
    QString w;
    int n = rank + 20;
    while (n > 0) {
        w += QLatin1String(syllables[n % 20]);
        n /= 20;
    }
    return w;
}

namespace {

core::Result<PgConn> connect(const sql::ConnectionParams &params)
{
    QByteArray conninfo = "host='" + params.host.toUtf8() + "' port=" + QByteArray::number(params.port) +
                          " dbname='" + params.database.toUtf8() + "' user='" + params.user.toUtf8() + "'";
    if (!params.password.isEmpty())
        conninfo += " password='" + params.password.toUtf8() + "'";
    PgConn conn(PQconnectdb(conninfo.constData()));
    if (PQstatus(conn.get()) != CONNECTION_OK)
        return makeError(ErrorCode::DatabaseUnavailable, QString::fromUtf8(PQerrorMessage(conn.get())));
    return conn;
}

/// `text` as a field of COPY's text format (backslash, tab, newline and carriage return escaped).
QByteArray copyField(const QString &text)
{
    QByteArray out = text.toUtf8();
    out.replace('\\', "\\\\").replace('\t', "\\t").replace('\n', "\\n").replace('\r', "\\r");
    return out;
}

} // namespace

core::Status migrate(const sql::ConnectionParams &params)
{
    sql::DbConnection conn(params, QStringLiteral("bench-migrate"));
    if (auto ok = conn.ensureOpen(); !ok)
        return ok;
    if (auto migrated = sql::Migrator(sql::Migrator::embedded()).migrate(conn); !migrated)
        return migrated.error();
    return {};
}

core::Status ensureDataset(const sql::ConnectionParams &params, const DatasetShape &shape, bool regenerate)
{
    auto connected = connect(params);
    if (!connected)
        return connected.error();
    PgConn conn = std::move(connected.value());
    (void)exec(conn.get(), "SET client_min_messages = warning");
    (void)exec(conn.get(),
               "CREATE TABLE IF NOT EXISTS bench_meta (messages bigint, conversations bigint, tenants int)");
    const QString wanted =
        QStringLiteral("%1|%2|%3").arg(shape.messages).arg(shape.conversations).arg(shape.tenants);
    const QStringList have =
        column(conn.get(), "SELECT messages || '|' || conversations || '|' || tenants FROM bench_meta");
    if (!regenerate && have.value(0) == wanted) {
        progress(QStringLiteral("reusing the existing dataset (%1 messages)").arg(shape.messages));
        return {};
    }
    QElapsedTimer total;
    total.start();
    progress(QStringLiteral("generating %1 messages / %2 conversations / %3 tenants with COPY")
                 .arg(shape.messages)
                 .arg(shape.conversations)
                 .arg(shape.tenants));
    // CASCADE: every table that references tenants or conversations (llm_usage, runs, …) is
    // emptied too; PostgreSQL refuses to truncate a referenced table alone, even an empty one.
    for (const char *sql : {"TRUNCATE bench_meta", "TRUNCATE tenants, conversations, messages CASCADE"}) {
        if (auto ok = exec(conn.get(), sql); !ok)
            return ok;
    }
    // Bulk load without secondary indexes and the messages FK, then rebuild them in one pass each.
    const QStringList indexDefs =
        column(conn.get(), "SELECT indexdef FROM pg_indexes WHERE tablename IN ('conversations', 'messages') "
                           "AND indexname LIKE 'idx\\_%'");
    const QStringList indexNames = column(
        conn.get(), "SELECT indexname FROM pg_indexes WHERE tablename IN ('conversations', 'messages') "
                    "AND indexname LIKE 'idx\\_%'");
    const QStringList fkDefs = column(
        conn.get(), "SELECT 'ALTER TABLE messages ADD CONSTRAINT ' || quote_ident(conname) || ' ' || "
                    "pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'messages'::regclass "
                    "AND contype = 'f'");
    const QStringList fkNames =
        column(conn.get(),
               "SELECT conname FROM pg_constraint WHERE conrelid = 'messages'::regclass AND contype = 'f'");
    for (const QString &name : indexNames)
        (void)exec(conn.get(), "DROP INDEX " + name.toUtf8());
    for (const QString &name : fkNames)
        (void)exec(conn.get(), "ALTER TABLE messages DROP CONSTRAINT " + name.toUtf8());

    auto tenants = copyRows(conn.get(), "COPY tenants (tenant_id, name, conversation_count) FROM STDIN",
                            shape.tenants, [&shape](qint64 t, QByteArray &out) {
                                const qint64 count = shape.conversations / shape.tenants +
                                                     (t < shape.conversations % shape.tenants ? 1 : 0);
                                out += "tenant-" + QByteArray::number(t) + "\tTenant " +
                                       QByteArray::number(t) + '\t' + QByteArray::number(count) + '\n';
                            });
    if (!tenants)
        return tenants;
    progress(QStringLiteral("tenants loaded"));
    auto conversations =
        copyRows(conn.get(),
                 "COPY conversations (conversation_id, tenant_id, flow_type, title, message_count, "
                 "created_at, updated_at) "
                 "FROM STDIN",
                 shape.conversations, [&shape](qint64 i, QByteArray &out) {
                     const qint64 n = shape.messagesIn(i);
                     out += DatasetShape::conversationUuid(i).toLatin1() + '\t' +
                            shape.tenantOf(i).toLatin1() + '\t' + (i % 3 == 0 ? "consulting" : "weather") +
                            "\tConversation " + QByteArray::number(i) + '\t' + QByteArray::number(n) + '\t' +
                            timestamp(conversationStart(i)) + '\t' +
                            timestamp(conversationStart(i) + std::max<qint64>(0, n - 1) * 20) + '\n';
                 });
    if (!conversations)
        return conversations;
    progress(QStringLiteral("conversations loaded (%1 s)").arg(total.elapsed() / 1000));

    // Messages are produced conversation by conversation; `rows` is only the loop bound.
    qint64 conversation = 0;
    qint64 inConversation = 0;
    QRandomGenerator rng(42);
    auto messages = copyRows(
        conn.get(),
        "COPY messages (conversation_id, tenant_id, flow_type, role, content, created_at) FROM STDIN",
        shape.messages, [&](qint64, QByteArray &out) {
            while (conversation < shape.conversations && inConversation >= shape.messagesIn(conversation)) {
                ++conversation;
                inConversation = 0;
            }
            const qint64 c = std::min(conversation, shape.conversations - 1);
            QByteArray text;
            const int words = 8 + static_cast<int>(rng.bounded(20));
            for (int w = 0; w < words; ++w) {
                // Zipf-like: cubing a uniform number makes low ranks (common words) frequent.
                const double u = rng.generateDouble();
                text += DatasetShape::word(static_cast<int>(4000 * u * u * u)).toLatin1() + ' ';
            }
            out += DatasetShape::conversationUuid(c).toLatin1() + '\t' + shape.tenantOf(c).toLatin1() + '\t' +
                   (c % 3 == 0 ? "consulting" : "weather") + '\t' +
                   (inConversation % 2 == 0 ? "user" : "assistant") + '\t' + text + '\t' +
                   timestamp(conversationStart(c) + inConversation * 20) + '\n';
            ++inConversation;
        });
    if (!messages)
        return messages;
    progress(QStringLiteral("messages loaded (%1 s); rebuilding indexes").arg(total.elapsed() / 1000));
    (void)exec(conn.get(), "SET maintenance_work_mem = '1GB'");
    for (const QString &def : indexDefs + fkDefs) {
        QElapsedTimer t;
        t.start();
        if (auto ok = exec(conn.get(), def.toUtf8()); !ok)
            return ok;
        progress(QStringLiteral("%1 (%2 s)").arg(def.left(90)).arg(t.elapsed() / 1000));
    }
    if (auto ok = exec(conn.get(), "VACUUM ANALYZE tenants, conversations, messages"); !ok)
        return ok;
    if (auto ok =
            exec(conn.get(), "INSERT INTO bench_meta VALUES (" + wanted.toUtf8().replace('|', ',') + ")");
        !ok)
        return ok;
    progress(QStringLiteral("dataset ready in %1 s").arg(total.elapsed() / 1000));
    return {};
}

core::Status ensureThread(const sql::ConnectionParams &params, const QString &tenantId,
                          const QString &conversationUuid, int messages)
{
    auto connected = connect(params);
    if (!connected)
        return connected.error();
    PGconn *conn = connected.value().get();
    (void)exec(conn, "SET client_min_messages = warning");
    const QByteArray id = conversationUuid.toLatin1();
    const QByteArray tenant = copyField(tenantId);
    if (column(conn, "SELECT message_count FROM conversations WHERE conversation_id = '" + id + "'")
            .value(0) == QString::number(messages)) {
        progress(QStringLiteral("reusing the %1-message thread").arg(messages));
        return {};
    }
    progress(QStringLiteral("generating a %1-message thread with COPY").arg(messages));
    // Deleting the tenant removes its conversations and their messages (ON DELETE CASCADE).
    const qint64 start = 400LL * 24 * 3600; // after every conversation of the big dataset
    const qint64 last = start + qint64{messages} * 20;
    const QList<QByteArray> statements{
        QByteArray("DELETE FROM tenants WHERE tenant_id = '" + tenant + "'"),
        QByteArray("INSERT INTO tenants (tenant_id, name, conversation_count) VALUES ('" + tenant +
                   "', 'Long thread', 1)"),
        QByteArray("INSERT INTO conversations (conversation_id, tenant_id, flow_type, title, message_count, "
                   "created_at, "
                   "updated_at) VALUES ('" +
                   id + "', '" + tenant + "', 'weather', 'A " + QByteArray::number(messages) +
                   "-message thread', " + QByteArray::number(messages) + ", '" + timestamp(start) + "', '" +
                   timestamp(last) + "')")};
    for (const QByteArray &sql : statements) {
        if (auto ok = exec(conn, sql); !ok)
            return ok;
    }
    // A block of twenty: a question, a tool call, its result, the answer, then eight more exchanges.
    auto rows = copyRows(
        conn,
        "COPY messages (conversation_id, tenant_id, flow_type, role, content, tool_calls, tool_call_id, "
        "message_metadata, created_at) FROM STDIN",
        messages, [&](qint64 i, QByteArray &out) {
            const int inBlock = static_cast<int>(i % 20);
            const QByteArray callId = "call_" + QByteArray::number(i - inBlock);
            QByteArray role = inBlock % 2 == 0 && inBlock != 2 ? "user" : "assistant";
            QByteArray content;
            QByteArray toolCalls = "\\N";
            QByteArray toolCallId = "\\N";
            QByteArray metadata = "{}";
            if (role == "user") {
                content = copyField(QStringLiteral("Question %1: how do the options compare for %2 and %3?")
                                        .arg(i)
                                        .arg(DatasetShape::word(static_cast<int>(i % 900)),
                                             DatasetShape::word(static_cast<int>(i % 700) + 5)));
            } else if (inBlock == 1) {
                toolCalls =
                    R"([{"id":")" + callId +
                    R"(","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}}])";
            } else if (inBlock == 2) {
                role = "tool";
                toolCallId = callId;
                content = copyField(QStringLiteral(R"({"success":true,"location":"Paris, France",)"
                                                   R"("temperature_c":18.5,"conditions":"partly cloudy"})"));
                metadata = R"({"success":true})";
            } else {
                const int tokens = 60 + static_cast<int>((i * 7919) % 340);
                content = copyField(markdownTokens(tokens, static_cast<quint32>(i)).join(QString()));
                metadata = R"({"model":"bench-model","turn_usage":{"total_tokens":)" +
                           QByteArray::number(tokens + 300) + "}}";
            }
            out += id + '\t' + tenant + "\tweather\t" + role + '\t' + content + '\t' + toolCalls + '\t' +
                   toolCallId + '\t' + metadata + '\t' + timestamp(start + i * 20) + '\n';
        });
    if (!rows)
        return rows;
    return exec(conn, "ANALYZE messages");
}

} // namespace agency::bench
