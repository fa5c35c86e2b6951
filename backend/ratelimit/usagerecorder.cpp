#include "usagerecorder.h"

#include "sql/dbexecutor.h"

#include <QRegularExpression>
#include <QSqlQuery>

namespace agency::ratelimit {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

core::Error invalid(const QString &field, const QString &message)
{
    return makeError(ErrorCode::InvalidArgument, field + QStringLiteral(": ") + message,
                     {{QStringLiteral("field"), field}});
}

constexpr qint64 kMaxSummaryDays = 366;

} // namespace

UsageRecorder::UsageRecorder(sql::DbExecutor &executor, std::shared_ptr<const core::Clock> clock,
                             std::shared_ptr<const PriceTable> prices)
    : m_executor(executor), m_clock(std::move(clock)), m_prices(std::move(prices))
{
}

core::Status UsageRecorder::validate(const UsageRecord &usage)
{
    static const QRegularExpression outcomePattern(QStringLiteral("^[a-z][a-z0-9_]{0,63}$"));
    if (usage.tenantId.isEmpty())
        return invalid(QStringLiteral("tenant_id"), QStringLiteral("is required"));
    if (usage.provider.isEmpty() || usage.provider.size() > 64)
        return invalid(QStringLiteral("provider"), QStringLiteral("must be 1-64 characters"));
    if (usage.model.size() > 200)
        return invalid(QStringLiteral("model"), QStringLiteral("must be at most 200 characters"));
    for (const auto &[field, value] :
         {std::pair{"prompt_tokens", usage.promptTokens},
          std::pair{"completion_tokens", usage.completionTokens},
          std::pair{"total_tokens", usage.totalTokens}, std::pair{"latency_ms", usage.latencyMs}}) {
        if (value < 0)
            return invalid(QString::fromLatin1(field), QStringLiteral("must not be negative"));
    }
    if (!outcomePattern.match(usage.outcome).hasMatch())
        return invalid(QStringLiteral("outcome"), QStringLiteral("must be \"ok\" or an error code name"));
    return {};
}

core::Result<db::UsageRow> UsageRecorder::row(const UsageRecord &usage) const
{
    if (auto ok = validate(usage); !ok)
        return ok.error();
    db::UsageRow row;
    row.provider = usage.provider;
    row.model = usage.model;
    row.promptTokens = usage.promptTokens;
    row.completionTokens = usage.completionTokens;
    row.totalTokens = usage.totalTokens > 0 ? usage.totalTokens : usage.promptTokens + usage.completionTokens;
    row.latencyMs = usage.latencyMs;
    row.outcome = usage.outcome;
    row.createdAtMs = (usage.createdAt.isValid() ? usage.createdAt : m_clock->now()).toMSecsSinceEpoch();
    if (m_prices) {
        if (auto cost =
                m_prices->costUsd(usage.provider, usage.model, usage.promptTokens, usage.completionTokens))
            row.costUsd = QString::number(*cost, 'f', 9); // as text: the numeric column keeps it exact
    }
    return row;
}

core::Async<void> UsageRecorder::record(const UsageRecord &usage)
{
    auto checked = row(usage);
    if (!checked)
        return core::failedAsync<void>(checked.error());
    const db::UsageRow &r = checked.value();
    // QPSQL sends a null QString as '': NULLIF turns "no conversation" into NULL.
    const QString conversation =
        usage.conversationId.isNull() ? QString() : usage.conversationId.toString(QUuid::WithoutBraces);
    const QVariantList binds{usage.tenantId, conversation,       r.provider,    r.model,
                             r.promptTokens, r.completionTokens, r.totalTokens, r.latencyMs,
                             r.outcome,      r.createdAtMs,      r.costUsd};
    // Grouped: under load, usage rows ride along in the commits of the turns' messages. An insert
    // takes no lock another turn waits for (only key-share locks for its foreign keys): key "".
    return m_executor.runGrouped<void>(QString(), [binds](sql::DbConnection &conn) -> core::Status {
        auto inserted = conn.exec(
            QStringLiteral(
                "INSERT INTO llm_usage (tenant_id, conversation_id, provider, model, prompt_tokens, "
                "completion_tokens, total_tokens, latency_ms, outcome, created_at, cost_usd) "
                "VALUES (?, NULLIF(?, '')::uuid, ?, ?, ?, ?, ?, ?, ?, to_timestamp(?::bigint / 1000.0), "
                "NULLIF(?, '')::numeric)"),
            binds, QStringLiteral("record usage"));
        if (!inserted)
            return inserted.error();
        return {};
    });
}

core::Async<QList<core::UsageSummaryRow>> UsageRecorder::summary(const QString &tenantId,
                                                                 const QDateTime &from, const QDateTime &to)
{
    if (tenantId.isEmpty())
        return core::failedAsync<QList<core::UsageSummaryRow>>(
            invalid(QStringLiteral("tenant_id"), QStringLiteral("is required")));
    if (!from.isValid() || !to.isValid() || from >= to)
        return core::failedAsync<QList<core::UsageSummaryRow>>(
            invalid(QStringLiteral("to"), QStringLiteral("the range must be non-empty (from < to)")));
    if (from.daysTo(to) > kMaxSummaryDays)
        return core::failedAsync<QList<core::UsageSummaryRow>>(invalid(
            QStringLiteral("to"), QStringLiteral("the range may span at most %1 days").arg(kMaxSummaryDays)));
    const QVariantList binds{tenantId, from.toMSecsSinceEpoch(), to.toMSecsSinceEpoch()};
    return m_executor.run<QList<core::UsageSummaryRow>>(
        [binds](sql::DbConnection &conn) -> Result<QList<core::UsageSummaryRow>> {
            auto query = conn.exec(
                QStringLiteral(
                    "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, provider, count(*), "
                    "count(*) FILTER (WHERE outcome <> 'ok'), sum(prompt_tokens), sum(completion_tokens), "
                    "sum(total_tokens), round(avg(latency_ms)), coalesce(sum(cost_usd), 0)::text, "
                    "count(*) FILTER (WHERE cost_usd IS NULL AND total_tokens > 0) "
                    "FROM llm_usage WHERE tenant_id = ? "
                    "AND created_at >= to_timestamp(?::bigint / 1000.0) "
                    "AND created_at < to_timestamp(?::bigint / 1000.0) "
                    "GROUP BY 1, 2 ORDER BY 1, 2"),
                binds, QStringLiteral("summarise usage"));
            if (!query)
                return query.error();
            QList<core::UsageSummaryRow> rows;
            QSqlQuery &q = *query.value();
            while (q.next()) {
                rows.append(core::UsageSummaryRow{
                    QDate::fromString(q.value(0).toString(), Qt::ISODate), q.value(1).toString(),
                    q.value(2).toLongLong(), q.value(3).toLongLong(), q.value(4).toLongLong(),
                    q.value(5).toLongLong(), q.value(6).toLongLong(), q.value(7).toLongLong(),
                    q.value(8).toString().toDouble(), q.value(9).toLongLong()});
            }
            return rows;
        });
}

core::Async<Spend> UsageRecorder::spend(const QString &tenantId)
{
    if (tenantId.isEmpty())
        return core::failedAsync<Spend>(invalid(QStringLiteral("tenant_id"), QStringLiteral("is required")));
    const QDateTime now = m_clock->now().toUTC();
    const QDateTime day(now.date(), QTime(0, 0), Qt::UTC);
    const QDateTime month(QDate(now.date().year(), now.date().month(), 1), QTime(0, 0), Qt::UTC);
    const QVariantList binds{day.toMSecsSinceEpoch(), tenantId, month.toMSecsSinceEpoch()};
    return m_executor.run<Spend>([binds](sql::DbConnection &conn) -> Result<Spend> {
        auto query = conn.exec(
            QStringLiteral(
                "SELECT coalesce(sum(cost_usd) FILTER (WHERE created_at >= "
                "to_timestamp(?::bigint / 1000.0)), 0)::text, coalesce(sum(cost_usd), 0)::text "
                "FROM llm_usage WHERE tenant_id = ? AND created_at >= to_timestamp(?::bigint / 1000.0)"),
            binds, QStringLiteral("read spending"));
        if (!query)
            return query.error();
        QSqlQuery &q = *query.value();
        Spend spend;
        if (q.next()) {
            spend.today = q.value(0).toString().toDouble();
            spend.thisMonth = q.value(1).toString().toDouble();
        }
        return spend;
    });
}

} // namespace agency::ratelimit
