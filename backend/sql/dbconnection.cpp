#include "dbconnection.h"

#include "sqlerror.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QSqlDriver>
#include <QSqlError>
#include <QThread>

#include <algorithm>

#include <chrono>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <sys/socket.h>

namespace agency::sql {

using core::ErrorCode;
using core::makeError;

namespace {

QtMessageHandler g_previousHandler = nullptr;

void filterDriverNoise(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    // QPSQL warns once per prepared statement it cannot DEALLOCATE on a connection that died
    // (server restart, hung server cut by the executor). The server freed them with the session:
    // nothing is wrong, and the failure that matters is reported as an error of its own.
    if (type == QtWarningMsg && message.startsWith(QLatin1String("Unable to free statement")))
        return;
    g_previousHandler(type, context, message);
}

/// Process-wide by nature (Qt has one message handler); installed once, chained to the handler
/// in place then (the program's logging, installed at start-up before any connection).
void installDriverNoiseFilter()
{
    static std::once_flag once;
    std::call_once(once, [] { g_previousHandler = qInstallMessageHandler(filterDriverNoise); });
}

qint64 monotonicMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// The socket of an open QPSQL connection, through libpq's PQsocket (the driver does not expose
/// it). libpq is already loaded by the QPSQL plugin, in the plugin's local scope, hence dlopen
/// with RTLD_NOLOAD rather than RTLD_DEFAULT.
int socketOf(QSqlDatabase &db)
{
    using PQsocketFn = int (*)(const void *);
    static const PQsocketFn pqSocket = [] {
        PQsocketFn fn = nullptr;
        void *lib = ::dlopen("libpq.so.5", RTLD_LAZY | RTLD_NOLOAD);
        void *symbol = lib ? ::dlsym(lib, "PQsocket") : nullptr;
        static_assert(sizeof fn == sizeof symbol);
        std::memcpy(&fn, &symbol, sizeof fn);
        return fn;
    }();
    if (!pqSocket || !db.isOpen() || !db.driver())
        return -1;
    const QVariant handle = db.driver()->handle();
    if (!handle.isValid() || qstrcmp(handle.typeName(), "PGconn*") != 0)
        return -1;
    const void *conn = *static_cast<const void *const *>(handle.constData());
    return conn ? pqSocket(conn) : -1;
}

/// Marks one statement as running for the guard's watchdog.
class Busy
{
public:
    explicit Busy(ConnectionGuard *guard) : m_guard(guard)
    {
        if (m_guard)
            m_guard->enter();
    }
    ~Busy()
    {
        if (m_guard)
            m_guard->leave();
    }
    Busy(const Busy &) = delete;
    Busy &operator=(const Busy &) = delete;

private:
    ConnectionGuard *m_guard;
};

} // namespace

qint64 ConnectionGuard::busyMs() const
{
    const qint64 since = m_since.loadRelaxed();
    return since == 0 ? 0 : std::max<qint64>(1, monotonicMs() - since);
}

bool ConnectionGuard::abort()
{
    QMutexLocker lock(&m_mutex);
    if (m_socket < 0)
        return false;
    // Not close(): the descriptor stays owned by libpq, which sees end-of-file and errors out.
    return ::shutdown(m_socket, SHUT_RDWR) == 0;
}

void ConnectionGuard::setSocket(int fd)
{
    QMutexLocker lock(&m_mutex);
    m_socket = fd;
}

void ConnectionGuard::enter()
{
    m_since.storeRelaxed(monotonicMs());
}

void ConnectionGuard::leave()
{
    m_since.storeRelaxed(0);
}

QString processApplicationName()
{
    return QStringLiteral("aiagency-%1").arg(QCoreApplication::applicationPid());
}

DbConnection::DbConnection(ConnectionParams params, QString connectionName)
    : m_params(std::move(params)), m_name(std::move(connectionName))
{
    m_db = QSqlDatabase::addDatabase(QStringLiteral("QPSQL"), m_name);
    m_db.setHostName(m_params.host);
    m_db.setPort(m_params.port);
    m_db.setDatabaseName(m_params.database);
    m_db.setUserName(m_params.user);
    m_db.setPassword(m_params.password);
    installDriverNoiseFilter();
    QString options = m_params.connectOptions;
    if (!options.contains(QLatin1String("connect_timeout")))
        options += (options.isEmpty() ? QString() : QStringLiteral(";")) +
                   QStringLiteral("connect_timeout=%1").arg(std::max(2, m_params.connectTimeoutS));
    if (!options.contains(QLatin1String("application_name")))
        options += QStringLiteral(";application_name=") + processApplicationName();
    m_db.setConnectOptions(options);
}

DbConnection::~DbConnection()
{
    close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_name);
}

core::Status DbConnection::ensureOpen()
{
    if (m_db.isOpen())
        return {};
    if (!QSqlDatabase::isDriverAvailable(QStringLiteral("QPSQL"))) {
        return makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("the Qt PostgreSQL driver (QPSQL) is missing: install libqt6sql6-psql"));
    }
    if (m_guard && m_guard->refusing())
        return makeError(ErrorCode::DatabaseUnavailable,
                         QStringLiteral("the database executor is shutting down"));
    // QPSQL reports a connection whose session died (server restart, backend terminated) as not
    // open. Whatever was prepared or begun belongs to that session: forget it, or the new session
    // would be asked to EXECUTE statements it never saw ("prepared statement ... does not exist").
    close();
    // A server that is starting (or replaying its log after a crash) refuses connections for a
    // moment: a process started at the same time waits for it instead of failing at once. This
    // thread owns the connection and has nothing else to do until it is open.
    const QDeadlineTimer deadline(m_params.startupWaitMs);
    int pauseMs = 20;
    while (!m_db.open()) {
        const QSqlError error = m_db.lastError();
        if (!isServerStarting(error) || deadline.hasExpired()) {
            return makeError(ErrorCode::DatabaseUnavailable,
                             QStringLiteral("cannot connect to %1: %2")
                                 .arg(m_params.describe(), error.databaseText().trimmed()),
                             {{QStringLiteral("sqlstate"), error.nativeErrorCode()}});
        }
        QThread::msleep(static_cast<unsigned long>(std::min<qint64>(pauseMs, deadline.remainingTime())));
        pauseMs = std::min(pauseMs * 2, 500);
    }
    m_used = false;
    if (m_guard)
        m_guard->setSocket(socketOf(m_db));
    // Timestamps travel as UTC; the server's zone must not leak into QDateTime conversions.
    // Notices ("already exists, skipping") are not for our users' terminals.
    QString setup = QStringLiteral("SET TIME ZONE 'UTC'; SET client_min_messages = warning");
    if (m_params.statementTimeoutMs > 0)
        setup += QStringLiteral("; SET statement_timeout = %1").arg(m_params.statementTimeoutMs);
    if (auto ready = execScript(setup, QStringLiteral("session setup")); !ready) {
        // These statements are constant and valid: failing, they mean the server went away (or
        // hung and was cut) right after accepting the connection, however the driver words it
        // (seen with no text at all during restarts). Callers retry an outage; and the
        // half-set-up connection must not be used, so the next job connects afresh.
        close();
        core::Error lost = ready.error();
        lost.code = ErrorCode::DatabaseUnavailable;
        if (!lost.message.startsWith(QLatin1String("database unavailable")))
            lost.message = QStringLiteral("database unavailable during session setup: %1").arg(lost.message);
        return lost;
    }
    return {};
}

void DbConnection::close()
{
    if (m_inTransaction && m_db.isOpen())
        rollback();
    m_statements.clear();
    m_retired.clear();
    m_inTransaction = false;
    m_transactionFailed = false;
    if (m_guard)
        m_guard->setSocket(-1);
    if (m_db.isOpen())
        m_db.close();
}

bool DbConnection::isOpen() const
{
    return m_db.isOpen();
}

namespace {
// QPSQL sends a null QString as SQL NULL; we mean NULL only with an invalid QVariant().
QVariant bindable(const QVariant &value)
{
    if (value.typeId() == QMetaType::QString && value.toString().isNull())
        return QStringLiteral("");
    return value;
}
// The `:name` placeholders of `sql` as Qt finds them when it turns them into positional ones
// for QPSQL: outside quotes, a colon not after a colon and before a letter, digit or '_' (so
// `:name::jsonb` is the placeholder :name and a cast).
QStringList placeholderNames(const QString &sql)
{
    const auto isNameChar = [](QChar c) { return c.isLetterOrNumber() || c == u'_'; };
    QStringList names;
    QChar quote;
    for (qsizetype i = 0; i < sql.size(); ++i) {
        const QChar c = sql.at(i);
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
        } else if (c == u'\'' || c == u'"') {
            quote = c;
        } else if (c == u':' && (i == 0 || sql.at(i - 1) != u':') && i + 1 < sql.size() &&
                   isNameChar(sql.at(i + 1))) {
            qsizetype end = i + 1;
            while (end < sql.size() && isNameChar(sql.at(end)))
                ++end;
            names.append(sql.mid(i, end - i));
            i = end - 1;
        }
    }
    return names;
}
} // namespace

core::Result<QSqlQuery *> DbConnection::exec(const QString &sql, const QVariantList &binds,
                                             const QString &what)
{
    return run(sql, what, [&binds](QSqlQuery &query) -> core::Status {
        for (int i = 0; i < binds.size(); ++i)
            query.bindValue(i, bindable(binds.at(i)));
        return {};
    });
}

core::Result<QSqlQuery *> DbConnection::execNamed(const QString &sql, const QVariantMap &binds,
                                                  const QString &what)
{
    return run(sql, what, [&sql, &binds, &what](QSqlQuery &query) -> core::Status {
        const QStringList placeholders = placeholderNames(sql);
        for (const QString &name : placeholders) {
            if (!binds.contains(name))
                return core::makeError(core::ErrorCode::Internal,
                                       QStringLiteral("%1: no value for %2").arg(what, name));
        }
        for (auto it = binds.cbegin(); it != binds.cend(); ++it) {
            if (!placeholders.contains(it.key()))
                return core::makeError(core::ErrorCode::Internal,
                                       QStringLiteral("%1: no placeholder %2").arg(what, it.key()));
            query.bindValue(it.key(), bindable(it.value()));
        }
        return {};
    });
}

core::Result<QSqlQuery *> DbConnection::run(const QString &sql, const QString &what,
                                            const std::function<core::Status(QSqlQuery &)> &bind)
{
    auto &slot = m_statements[sql];
    if (!slot) {
        auto query = std::make_shared<QSqlQuery>(m_db);
        query->setForwardOnly(true);
        if (!query->prepare(sql)) {
            const auto error = fromSqlError(query->lastError(), what);
            m_statements.remove(sql);
            return error;
        }
        slot = std::move(query);
    }
    QSqlQuery *query = slot.get();
    if (auto bound = bind(*query); !bound)
        return bound.error();
    bool executed = false;
    {
        const Busy busy(m_guard);
        executed = query->exec();
    }
    if (!executed) {
        const auto error = fromSqlError(query->lastError(), what);
        // A failed prepared statement may be invalid after e.g. a schema change: prepare afresh.
        // Inside a transaction the server now refuses everything, DEALLOCATE included, so the old
        // statement is freed only once the transaction is over (else it leaks on the server).
        if (m_inTransaction) {
            m_retired.push_back(std::move(slot));
            m_transactionFailed = true;
        }
        m_statements.remove(sql);
        return error;
    }
    m_used = true;
    return query;
}

core::Status DbConnection::execScript(const QString &sql, const QString &what)
{
    QSqlQuery query(m_db);
    const Busy busy(m_guard);
    if (!query.exec(sql)) {
        m_transactionFailed = m_transactionFailed || m_inTransaction;
        return fromSqlError(query.lastError(), what);
    }
    // QPSQL reports only the first statement's outcome; a later statement's failure (which
    // aborts the rest of the script) only shows when stepping through the remaining results.
    while (query.nextResult()) {
    }
    if (query.lastError().isValid()) {
        m_transactionFailed = m_transactionFailed || m_inTransaction;
        return fromSqlError(query.lastError(), what);
    }
    m_used = true;
    return {};
}

core::Status DbConnection::begin()
{
    const Busy busy(m_guard);
    if (!m_db.transaction())
        return fromSqlError(m_db.lastError(), QStringLiteral("begin transaction"));
    m_inTransaction = true;
    m_transactionFailed = false;
    return {};
}

core::Status DbConnection::beginUnflushed()
{
    // Sent as one simple-protocol script; the driver's own transaction() would cost a round trip
    // of its own. commit() and rollback() work the same on either kind of transaction.
    if (auto started = execScript(QStringLiteral("BEGIN; SET LOCAL synchronous_commit = off"),
                                  QStringLiteral("begin transaction"));
        !started) {
        if (m_db.isOpen())
            rollback(); // the BEGIN may have run before the SET failed
        return started;
    }
    m_inTransaction = true;
    m_transactionFailed = false;
    return {};
}

QString DbConnection::deferFlushCte()
{
    // set_config(..., true) lasts until the end of the transaction, and the commit reads
    // synchronous_commit when it runs: an autocommit statement's own commit is the one affected.
    return QStringLiteral(
        "agency_defer_flush AS (SELECT set_config('synchronous_commit', CASE WHEN "
        ":defer_flush::boolean THEN 'off' ELSE current_setting('synchronous_commit') END, true))");
}

core::Status DbConnection::commit()
{
    bool committed = false;
    {
        const Busy busy(m_guard);
        committed = m_db.commit();
    }
    if (!committed) {
        const auto error = fromSqlError(m_db.lastError(), QStringLiteral("commit"));
        rollback();
        return error;
    }
    m_inTransaction = false;
    m_transactionFailed = false;
    m_retired.clear();
    return {};
}

void DbConnection::rollback()
{
    {
        const Busy busy(m_guard);
        m_db.rollback();
    }
    m_inTransaction = false;
    m_transactionFailed = false;
    m_retired.clear();
}

core::Status DbConnection::savepoint()
{
    // Savepoints nest by name: RELEASE and ROLLBACK TO find the innermost one of that name.
    return execScript(QStringLiteral("SAVEPOINT agency_nested"), QStringLiteral("savepoint"));
}

core::Status DbConnection::releaseSavepoint(bool keep)
{
    if (!keep) {
        // Allowed even after a failed statement: it is what makes the transaction usable again.
        // (A body that succeeded although a statement failed keeps the transaction failed, so the
        // release below fails and so does the outer transaction.)
        if (auto ok = execScript(QStringLiteral("ROLLBACK TO SAVEPOINT agency_nested"),
                                 QStringLiteral("rollback to savepoint"));
            !ok)
            return ok;
        m_transactionFailed = false;
    }
    return execScript(QStringLiteral("RELEASE SAVEPOINT agency_nested"), QStringLiteral("release savepoint"));
}

bool DbConnection::ping()
{
    if (!m_db.isOpen())
        return false;
    QSqlQuery query(m_db);
    const Busy busy(m_guard);
    return query.exec(QStringLiteral("SELECT 1")) && query.next();
}

} // namespace agency::sql
