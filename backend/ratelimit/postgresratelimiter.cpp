#include "postgresratelimiter.h"

#include "bucketmath.h"
#include "sql/dbexecutor.h"

#include <QSqlQuery>

namespace agency::ratelimit {

using core::ErrorCode;
using core::makeError;
using core::Result;
namespace bm = bucket;

namespace {

/// SQL for a window's level now (same rules as bucket::levelNow), against row `b` and
/// parameters `p` (now_ms, cap_m / cap_h). Numeric arithmetic: a long-idle row must not overflow.
QString levelNowSql(const char *window, qint64 windowMs)
{
    const QString w = QString::number(windowMs);
    const QString cap =
        window == QByteArrayView("minute") ? QStringLiteral("p.cap_m") : QStringLiteral("p.cap_h");
    const QString level = QStringLiteral("b.") + QLatin1String(window) + QStringLiteral("_level");
    const QString stored = QStringLiteral("b.") + QLatin1String(window) + QStringLiteral("_capacity");
    return QStringLiteral("(CASE WHEN %1 = 0 THEN 0 WHEN %2 = 0 THEN %1 * %3 "
                          "ELSE LEAST((%1 * %3)::numeric, %4::numeric + "
                          "GREATEST(p.now_ms - b.updated_ms, 0)::numeric * %1)::bigint END)")
        .arg(cap, stored, w, level);
}

const QString &reserveSql()
{
    static const QString sql = [] {
        const QString m = levelNowSql("minute", bm::kMinuteMs);
        const QString h = levelNowSql("hour", bm::kHourMs);
        return QStringLiteral(
                   "UPDATE rate_limit_buckets AS b SET "
                   "minute_level = CASE WHEN p.cap_m = 0 THEN 0 ELSE %1 - p.n * 60000 END, "
                   "hour_level = CASE WHEN p.cap_h = 0 THEN 0 ELSE %2 - p.n * 3600000 END, "
                   "minute_capacity = p.cap_m, hour_capacity = p.cap_h, "
                   "updated_ms = GREATEST(b.updated_ms, p.now_ms) "
                   "FROM (SELECT ?::bigint AS now_ms, ?::bigint AS cap_m, ?::bigint AS cap_h, ?::bigint AS "
                   "n) AS p "
                   "WHERE b.tenant_id = ? AND b.provider = ? "
                   "AND (p.cap_m = 0 OR %1 >= p.n * 60000) AND (p.cap_h = 0 OR %2 >= p.n * 3600000) "
                   "RETURNING b.minute_level, b.hour_level")
            .arg(m, h);
    }();
    return sql;
}

const QString &settleSql()
{
    static const QString sql = [] {
        const QString m = levelNowSql("minute", bm::kMinuteMs);
        const QString h = levelNowSql("hour", bm::kHourMs);
        return QStringLiteral(
                   "UPDATE rate_limit_buckets AS b SET "
                   "minute_level = CASE WHEN p.cap_m = 0 THEN 0 ELSE "
                   "GREATEST(-p.cap_m * 60000, LEAST(p.cap_m * 60000, %1 + p.delta * 60000)) END, "
                   "hour_level = CASE WHEN p.cap_h = 0 THEN 0 ELSE "
                   "GREATEST(-p.cap_h * 3600000, LEAST(p.cap_h * 3600000, %2 + p.delta * 3600000)) END, "
                   "minute_capacity = p.cap_m, hour_capacity = p.cap_h, "
                   "updated_ms = GREATEST(b.updated_ms, p.now_ms) "
                   "FROM (SELECT ?::bigint AS now_ms, ?::bigint AS cap_m, ?::bigint AS cap_h, ?::bigint AS "
                   "delta) AS p "
                   "WHERE b.tenant_id = ? AND b.provider = ? "
                   "RETURNING b.minute_level")
            .arg(m, h);
    }();
    return sql;
}

const QString kInsertSql = QStringLiteral(
    "INSERT INTO rate_limit_buckets (tenant_id, provider, minute_capacity, minute_level, hour_capacity, "
    "hour_level, updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, provider) DO NOTHING");

const QString kSelectSql = QStringLiteral(
    "SELECT minute_capacity, minute_level, hour_capacity, hour_level, updated_ms FROM rate_limit_buckets "
    "WHERE tenant_id = ? AND provider = ?");

/// A row read without locking, brought to `now` in C++.
struct Levels
{
    qint64 minute = 0;
    qint64 hour = 0;
};

/// Reads the row: nullopt when there is none.
Result<std::optional<Levels>> readLevels(sql::DbConnection &conn, const QString &tenantId,
                                         const QString &provider, const Limits &limits, qint64 nowMs)
{
    auto query = conn.exec(kSelectSql, {tenantId, provider}, QStringLiteral("read rate limit bucket"));
    if (!query)
        return query.error();
    QSqlQuery &q = *query.value();
    if (!q.next())
        return std::optional<Levels>();
    const qint64 elapsed = nowMs - q.value(4).toLongLong();
    return std::optional<Levels>(Levels{bm::levelNow(q.value(1).toLongLong(), q.value(0).toLongLong(),
                                                     limits.tokensPerMinute, bm::kMinuteMs, elapsed),
                                        bm::levelNow(q.value(3).toLongLong(), q.value(2).toLongLong(),
                                                     limits.tokensPerHour, bm::kHourMs, elapsed)});
}

core::Status insertFull(sql::DbConnection &conn, const QString &tenantId, const QString &provider,
                        const Limits &limits, qint64 nowMs)
{
    auto inserted = conn.exec(kInsertSql,
                              {tenantId, provider, limits.tokensPerMinute,
                               bm::fullLevel(limits.tokensPerMinute, bm::kMinuteMs), limits.tokensPerHour,
                               bm::fullLevel(limits.tokensPerHour, bm::kHourMs), nowMs},
                              QStringLiteral("create rate limit bucket"));
    if (!inserted)
        return inserted.error();
    return {};
}

core::LimitStatus describe(const QString &tenantId, const QString &provider, const Limits &limits,
                           const Levels &levels)
{
    return core::LimitStatus{tenantId, provider,
                             bm::windowStatus(levels.minute, limits.tokensPerMinute, bm::kMinuteMs),
                             bm::windowStatus(levels.hour, limits.tokensPerHour, bm::kHourMs)};
}

Result<Reservation> reserveJob(sql::DbConnection &conn, const core::Clock &clock, const QString &tenantId,
                               const QString &provider, qint64 tokens, const Limits &limits)
{
    const qint64 nowMs = clock.now().toMSecsSinceEpoch();
    std::optional<Levels> lastSeen;
    // Normally one round: the UPDATE grants. A refusal reads the row to say how long to wait; if
    // the read shows enough tokens (another process refunded meanwhile), try again.
    for (int attempt = 0; attempt < 3; ++attempt) {
        auto updated = conn.exec(
            reserveSql(), {nowMs, limits.tokensPerMinute, limits.tokensPerHour, tokens, tenantId, provider},
            QStringLiteral("reserve rate limit tokens"));
        if (!updated)
            return updated.error();
        QSqlQuery &q = *updated.value();
        if (q.next()) {
            const Levels after{q.value(0).toLongLong(), q.value(1).toLongLong()};
            return Reservation{tenantId, provider, tokens, limits,
                               describe(tenantId, provider, limits, after)};
        }
        auto levels = readLevels(conn, tenantId, provider, limits, nowMs);
        if (!levels)
            return levels.error();
        if (!levels.value()) {
            if (auto created = insertFull(conn, tenantId, provider, limits, nowMs); !created)
                return created.error();
            continue;
        }
        lastSeen = levels.value();
        const bool fits = (limits.tokensPerMinute == 0 || lastSeen->minute >= tokens * bm::kMinuteMs) &&
                          (limits.tokensPerHour == 0 || lastSeen->hour >= tokens * bm::kHourMs);
        if (!fits)
            break;
    }
    const Levels levels = lastSeen.value_or(Levels{});
    return bm::refusal(tenantId, provider, tokens, limits, levels.minute, levels.hour);
}

} // namespace

PostgresRateLimiter::PostgresRateLimiter(sql::DbExecutor &executor, std::shared_ptr<LimitPolicy> policy,
                                         std::shared_ptr<const core::Clock> clock)
    : m_executor(executor), m_policy(std::move(policy)), m_clock(std::move(clock))
{
}

core::Async<Reservation> PostgresRateLimiter::reserve(const QString &tenantId, const QString &provider,
                                                      qint64 estimatedTokens)
{
    if (auto ok = bm::checkRequest(tenantId, provider, estimatedTokens, Limits{}); !ok)
        return core::failedAsync<Reservation>(ok.error());
    sql::DbExecutor *executor = &m_executor;
    return m_policy->limitsFor(tenantId, provider)
        .then([executor, clock = m_clock, tenantId, provider, estimatedTokens](Result<Limits> limits) {
            if (!limits)
                return core::failedAsync<Reservation>(limits.error());
            if (auto ok = bm::checkRequest(tenantId, provider, estimatedTokens, limits.value()); !ok)
                return core::failedAsync<Reservation>(ok.error());
            const Limits l = limits.value();
            if (estimatedTokens == 0 || (l.tokensPerMinute == 0 && l.tokensPerHour == 0)) {
                // Nothing to take: no round trip.
                return core::readyAsync<Reservation>(Reservation{
                    tenantId, provider, estimatedTokens, l, core::LimitStatus{tenantId, provider, {}, {}}});
            }
            return executor->run<Reservation>(
                [clock, tenantId, provider, estimatedTokens, l](sql::DbConnection &conn) {
                    return reserveJob(conn, *clock, tenantId, provider, estimatedTokens, l);
                });
        })
        .unwrap();
}

core::Async<void> PostgresRateLimiter::settle(const Reservation &r, qint64 actualTokens)
{
    if (actualTokens < 0)
        return core::failedAsync<void>(
            makeError(ErrorCode::InvalidArgument, QStringLiteral("actual tokens must not be negative")));
    const qint64 delta = r.tokens - actualTokens;
    if (delta == 0 || (r.limits.tokensPerMinute == 0 && r.limits.tokensPerHour == 0))
        return core::readyAsync<void>({});
    return m_executor.run<void>([clock = m_clock, r, delta](sql::DbConnection &conn) -> core::Status {
        const qint64 nowMs = clock->now().toMSecsSinceEpoch();
        for (int attempt = 0; attempt < 2; ++attempt) {
            auto updated = conn.exec(
                settleSql(),
                {nowMs, r.limits.tokensPerMinute, r.limits.tokensPerHour, delta, r.tenantId, r.provider},
                QStringLiteral("settle rate limit tokens"));
            if (!updated)
                return updated.error();
            // A refund into a missing (= full) bucket changes nothing; a charge needs the row.
            if (updated.value()->next() || delta > 0)
                return {};
            if (auto created = insertFull(conn, r.tenantId, r.provider, r.limits, nowMs); !created)
                return created;
        }
        return {};
    });
}

core::Async<core::LimitStatus> PostgresRateLimiter::status(const QString &tenantId, const QString &provider)
{
    if (auto ok = bm::checkRequest(tenantId, provider, 0, Limits{}); !ok)
        return core::failedAsync<core::LimitStatus>(ok.error());
    sql::DbExecutor *executor = &m_executor;
    return m_policy->limitsFor(tenantId, provider)
        .then([executor, clock = m_clock, tenantId, provider](Result<Limits> limits) {
            if (!limits)
                return core::failedAsync<core::LimitStatus>(limits.error());
            const Limits l = limits.value();
            return executor->run<core::LimitStatus>(
                [clock, tenantId, provider, l](sql::DbConnection &conn) -> Result<core::LimitStatus> {
                    auto levels = readLevels(conn, tenantId, provider, l, clock->now().toMSecsSinceEpoch());
                    if (!levels)
                        return levels.error();
                    const Levels current =
                        levels.value().value_or(Levels{bm::fullLevel(l.tokensPerMinute, bm::kMinuteMs),
                                                       bm::fullLevel(l.tokensPerHour, bm::kHourMs)});
                    return describe(tenantId, provider, l, current);
                });
        })
        .unwrap();
}

} // namespace agency::ratelimit
