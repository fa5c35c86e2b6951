#pragma once

#include "core/async/future.h"
#include "core/clock.h"
#include "core/usagesummary.h"
#include "db/records.h"
#include "pricetable.h"

#include <QDate>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QUuid>

#include <memory>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::ratelimit {

/// One provider call, as stored in `llm_usage`.
struct UsageRecord
{
    QString tenantId;
    QUuid conversationId; ///< null when the call belongs to no conversation (e.g. a run)
    QString provider;
    QString model;
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 totalTokens = 0; ///< 0: prompt + completion
    qint64 latencyMs = 0;
    QString outcome = QStringLiteral("ok"); ///< "ok" or an error code name (core::errorCodeName)
    QDateTime createdAt;                    ///< invalid: the recorder's clock
};

/// A tenant's spending in US dollars since the start of the current UTC day and month.
struct Spend
{
    double today = 0;
    double thisMonth = 0;
};

/// Records every provider call in `llm_usage` and summarises a tenant's usage by day and provider.
/// Each call's cost in dollars is priced when recorded, from `prices` (none: no cost is stored).
///
/// Thread-safe (work runs on DbExecutor workers). Borrows the executor, shares the clock.
/// Errors: InvalidArgument for a bad record or range (named field), NotFound when the tenant or
/// conversation does not exist (foreign keys), or the executor's database errors.
class UsageRecorder
{
public:
    UsageRecorder(sql::DbExecutor &executor, std::shared_ptr<const core::Clock> clock,
                  std::shared_ptr<const PriceTable> prices = {});

    core::Async<void> record(const UsageRecord &usage);

    /// Rows for [from, to), ordered by day then provider; days in UTC. At most 366 days.
    core::Async<QList<core::UsageSummaryRow>> summary(const QString &tenantId, const QDateTime &from,
                                                      const QDateTime &to);

    /// What the tenant spent (recorded costs) today and this month, UTC, by the recorder's clock.
    core::Async<Spend> spend(const QString &tenantId);

    static core::Status validate(const UsageRecord &usage);
    /// The row `usage` is stored as: validated, total_tokens filled in (prompt + completion when
    /// 0), the time from the recorder's clock when unset. For a turn write that stores it with
    /// its messages (db::TurnWrite::usage).
    core::Result<db::UsageRow> row(const UsageRecord &usage) const;

private:
    sql::DbExecutor &m_executor;
    std::shared_ptr<const core::Clock> m_clock;
    std::shared_ptr<const PriceTable> m_prices;
};

} // namespace agency::ratelimit
