#pragma once

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>

#include <array>

namespace agency::httpserver {

/// The server's counters, rendered at GET /metrics in the Prometheus text format (0.0.4).
/// Thread affinity: the server thread (no locking).
class Metrics
{
public:
    /// One answered request, by route pattern (never the raw path: ids would explode the series).
    void recordRequest(const QByteArray &method, const QString &route, int status);
    /// One finished chat turn: latency, the provider that answered, its calls and tokens, and
    /// whether it failed with a provider error.
    void recordTurn(double seconds, const QString &provider, int providerCalls, qint64 promptTokens,
                    qint64 completionTokens, bool providerError);
    /// One request refused by a rate limit (token budget or failed-authentication ban).
    void recordRateLimitRefusal(const QString &reason);

    /// Everything above in the text format; the API appends its own gauges (the database pool's).
    QByteArray render() const;

    static constexpr std::array<double, 11> kTurnBuckets = {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

private:
    struct ProviderCounters
    {
        quint64 calls = 0;
        quint64 errors = 0;
        quint64 promptTokens = 0;
        quint64 completionTokens = 0;
    };
    /// One series of agency_http_requests_total. Hashed rather than joined into one string: this
    /// is counted on every request, and building the joined key cost an allocation each time.
    struct RequestSeries
    {
        QByteArray method;
        QString route;
        int status = 0;
        friend bool operator==(const RequestSeries &a, const RequestSeries &b)
        {
            return a.status == b.status && a.method == b.method && a.route == b.route;
        }
        friend size_t qHash(const RequestSeries &s, size_t seed = 0)
        {
            return qHashMulti(seed, s.method, s.route, s.status);
        }
    };
    QHash<RequestSeries, quint64> m_requests;
    std::array<quint64, kTurnBuckets.size()> m_turnBuckets{};
    quint64 m_turnCount = 0;
    double m_turnSum = 0;
    QMap<QString, ProviderCounters> m_providers;
    QMap<QString, quint64> m_rateLimitRefusals;
};

} // namespace agency::httpserver
