#include "metrics.h"

#include <algorithm>
#include <tuple>

namespace agency::httpserver {

namespace {

/// A label value with \, " and newline escaped as the text format requires.
QByteArray label(const QString &value)
{
    QByteArray out = value.toUtf8();
    out.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    return out;
}

QByteArray number(double value)
{
    return QByteArray::number(value, 'g', 12);
}

} // namespace

void Metrics::recordRequest(const QByteArray &method, const QString &route, int status)
{
    ++m_requests[RequestSeries{method, route, status}];
}

void Metrics::recordTurn(double seconds, const QString &provider, int providerCalls, qint64 promptTokens,
                         qint64 completionTokens, bool providerError)
{
    for (size_t i = 0; i < kTurnBuckets.size(); ++i) {
        if (seconds <= kTurnBuckets[i])
            ++m_turnBuckets[i];
    }
    ++m_turnCount;
    m_turnSum += seconds;
    ProviderCounters &p = m_providers[provider.isEmpty() ? QStringLiteral("unknown") : provider];
    p.calls += static_cast<quint64>(qMax(0, providerCalls));
    p.errors += providerError ? 1 : 0;
    p.promptTokens += static_cast<quint64>(qMax<qint64>(0, promptTokens));
    p.completionTokens += static_cast<quint64>(qMax<qint64>(0, completionTokens));
}

void Metrics::recordRateLimitRefusal(const QString &reason)
{
    ++m_rateLimitRefusals[reason];
}

QByteArray Metrics::render() const
{
    QByteArray out;
    out += "# HELP agency_http_requests_total Answered HTTP requests by route and status.\n"
           "# TYPE agency_http_requests_total counter\n";
    // Sorted by method, route and status, so scrapes are stable and diffable.
    QList<std::pair<const RequestSeries *, quint64>> series;
    series.reserve(m_requests.size());
    for (auto it = m_requests.cbegin(); it != m_requests.cend(); ++it)
        series.append({&it.key(), it.value()});
    std::sort(series.begin(), series.end(), [](const auto &a, const auto &b) {
        return std::tie(a.first->method, a.first->route, a.first->status) <
               std::tie(b.first->method, b.first->route, b.first->status);
    });
    for (const auto &[s, count] : series) {
        out += "agency_http_requests_total{method=\"" + s->method + "\",route=\"" + label(s->route) +
               "\",status=\"" + QByteArray::number(s->status) + "\"} " + QByteArray::number(count) + '\n';
    }

    out += "# HELP agency_turn_duration_seconds Chat turn latency through the server.\n"
           "# TYPE agency_turn_duration_seconds histogram\n";
    for (size_t i = 0; i < kTurnBuckets.size(); ++i) {
        out += "agency_turn_duration_seconds_bucket{le=\"" + number(kTurnBuckets[i]) + "\"} " +
               QByteArray::number(m_turnBuckets[i]) + '\n';
    }
    out += "agency_turn_duration_seconds_bucket{le=\"+Inf\"} " + QByteArray::number(m_turnCount) + '\n';
    out += "agency_turn_duration_seconds_sum " + number(m_turnSum) + '\n';
    out += "agency_turn_duration_seconds_count " + QByteArray::number(m_turnCount) + '\n';

    const QMap<QString, ProviderCounters> &providers = m_providers;
    const auto perProvider = [&](const char *name, const char *help, auto field) {
        out += QByteArray("# HELP ") + name + ' ' + help + "\n# TYPE " + name + " counter\n";
        for (auto it = providers.cbegin(); it != providers.cend(); ++it) {
            out += QByteArray(name) + "{provider=\"" + label(it.key()) + "\"} " +
                   QByteArray::number(field(it.value())) + '\n';
        }
    };
    perProvider("agency_provider_calls_total", "Provider calls made by chat turns.",
                [](const ProviderCounters &c) { return c.calls; });
    perProvider("agency_provider_errors_total", "Chat turns that failed with a provider error.",
                [](const ProviderCounters &c) { return c.errors; });
    perProvider("agency_prompt_tokens_total", "Prompt tokens reported by providers.",
                [](const ProviderCounters &c) { return c.promptTokens; });
    perProvider("agency_completion_tokens_total", "Completion tokens reported by providers.",
                [](const ProviderCounters &c) { return c.completionTokens; });

    out += "# HELP agency_rate_limit_refusals_total Requests refused with 429, by reason.\n"
           "# TYPE agency_rate_limit_refusals_total counter\n";
    const QMap<QString, quint64> &refusals = m_rateLimitRefusals;
    for (auto it = refusals.cbegin(); it != refusals.cend(); ++it)
        out += "agency_rate_limit_refusals_total{reason=\"" + label(it.key()) + "\"} " +
               QByteArray::number(it.value()) + '\n';

    return out;
}

} // namespace agency::httpserver
