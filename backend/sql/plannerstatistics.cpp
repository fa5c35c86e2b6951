#include "plannerstatistics.h"

#include "dbconnection.h"
#include "dbexecutor.h"

#include <QLoggingCategory>

namespace agency::sql {

Q_LOGGING_CATEGORY(lcStatistics, "agency.db.statistics")

using core::Result;

namespace {

/// Those of `tables` that have no column statistics in the current schema, in their order: one
/// round trip for the list.
Result<QStringList> tablesWithoutStatistics(DbConnection &conn, const QStringList &tables)
{
    auto query = conn.exec(QStringLiteral("SELECT t.name FROM regexp_split_to_table(?, ',') WITH ORDINALITY "
                                          "AS t(name, ord) WHERE NOT EXISTS (SELECT 1 FROM pg_stats s "
                                          "WHERE s.schemaname = current_schema() AND s.tablename = t.name) "
                                          "ORDER BY t.ord"),
                           {tables.join(QLatin1Char(','))}, QStringLiteral("read planner statistics"));
    if (!query)
        return query.error();
    QStringList missing;
    while (query.value()->next())
        missing.append(query.value()->value(0).toString());
    return missing;
}

} // namespace

PlannerStatistics::PlannerStatistics(DbExecutor &executor, Options options, QObject *parent)
    : QObject(parent), m_executor(executor), m_options(options)
{
    m_options.minRows = std::max(m_options.minRows, 1);
    m_timer.setInterval(std::max(m_options.intervalMs, 10));
    connect(&m_timer, &QTimer::timeout, this, &PlannerStatistics::tick);
    connect(&m_watcher, &QFutureWatcherBase::finished, this, [this] {
        m_checking = false;
        ++m_checksFinished;
        const QFuture<Result<QStringList>> done = m_watcher.future();
        if (done.resultCount() == 0)
            return;
        const Result<QStringList> &pending = done.result();
        if (!pending) {
            qCWarning(lcStatistics).noquote()
                << "could not give the planner statistics (autovacuum will):" << pending.error().toString();
            m_timer.stop();
        } else if (pending->isEmpty()) {
            m_timer.stop();
        }
    });
}

void PlannerStatistics::start()
{
    m_timer.start();
    tick();
}

void PlannerStatistics::tick()
{
    if (m_checking)
        return;
    m_checking = true;
    m_watcher.setFuture(checkNow());
}

core::Async<QStringList> PlannerStatistics::checkNow()
{
    const int minRows = m_options.minRows;
    const QStringList tables = m_options.tables;
    return m_executor.run<QStringList>([minRows, tables](DbConnection &conn) -> Result<QStringList> {
        auto missing = tablesWithoutStatistics(conn, tables);
        if (!missing)
            return missing.error();
        QStringList still;
        for (const QString &table : missing.value()) {
            // Counting stops at minRows: cheap on any table. The names come from the composition root.
            auto rows =
                conn.exec(QStringLiteral("SELECT count(*) FROM (SELECT 1 FROM %1 LIMIT ?) r").arg(table),
                          {minRows}, QStringLiteral("count rows"));
            if (!rows)
                return rows.error();
            if (!rows.value()->next() || rows.value()->value(0).toInt() < minRows) {
                still.append(table);
                continue;
            }
            if (auto analyzed = conn.execScript(QStringLiteral("ANALYZE %1").arg(table),
                                                QStringLiteral("analyze ") + table);
                !analyzed)
                return analyzed.error();
            // A user that does not own the table gets a warning from ANALYZE, not an error, and no
            // statistics: say so once instead of trying again every interval.
            auto after = tablesWithoutStatistics(conn, {table});
            if (!after)
                return after.error();
            if (!after->isEmpty()) {
                return core::makeError(core::ErrorCode::Internal,
                                       QStringLiteral("ANALYZE %1 left it without statistics (does the "
                                                      "database user own the table?)")
                                           .arg(table));
            }
        }
        return still;
    });
}

} // namespace agency::sql
