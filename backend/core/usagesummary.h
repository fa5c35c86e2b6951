#pragma once

#include <QDate>
#include <QString>

namespace agency::core {

/// Usage of one tenant on one provider on one UTC day.
struct UsageSummaryRow
{
    QDate day;
    QString provider;
    qint64 calls = 0;
    qint64 errors = 0; ///< calls whose outcome is not "ok"
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    qint64 totalTokens = 0;
    qint64 averageLatencyMs = 0;
    double costUsd = 0;       ///< the priced calls' cost in US dollars (docs/costs.md)
    qint64 unpricedCalls = 0; ///< calls that used tokens of a model without a price (not in costUsd)

    bool operator==(const UsageSummaryRow &) const = default;
};

} // namespace agency::core
