#include "retrypolicy.h"

#include <QLocale>
#include <QTimeZone>

#include <algorithm>
#include <cmath>

namespace agency::llm {

bool RetryPolicy::isRetryable(core::ErrorCode code)
{
    switch (code) {
    case core::ErrorCode::ProviderRateLimited:
    case core::ErrorCode::ProviderUnavailable:
    case core::ErrorCode::ProviderTimeout:
        return true;
    default:
        return false;
    }
}

qint64 RetryPolicy::backoffMs(int attempt, double random01) const
{
    const int exponent = std::clamp(attempt - 1, 0, 30);
    const double raw = static_cast<double>(baseDelayMs) * std::pow(2.0, exponent);
    const double capped = std::min(raw, static_cast<double>(maxDelayMs));
    const double j = std::clamp(jitter, 0.0, 1.0);
    const double factor = 1.0 - j * std::clamp(random01, 0.0, 1.0);
    return std::max<qint64>(0, std::llround(capped * factor));
}

std::optional<qint64> RetryPolicy::nextDelayMs(int attemptsMade, const core::Error &error, qint64 elapsedMs,
                                               double random01) const
{
    if (!isRetryable(error.code) || attemptsMade >= maxAttempts)
        return std::nullopt;
    qint64 delay = backoffMs(attemptsMade, random01);
    const QJsonValue retryAfter = error.details.value(QStringLiteral("retry_after_ms"));
    if (retryAfter.isDouble())
        delay = std::max(delay, static_cast<qint64>(retryAfter.toDouble()));
    if (elapsedMs + delay > maxTotalMs)
        return std::nullopt;
    return delay;
}

std::optional<qint64> RetryPolicy::parseRetryAfter(const QByteArray &value, const QDateTime &now)
{
    const QByteArray v = value.trimmed();
    if (v.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double seconds = v.toDouble(&ok);
    if (ok) {
        if (!std::isfinite(seconds) || seconds < 0)
            return std::nullopt;
        return static_cast<qint64>(std::llround(std::min(seconds, 1e9) * 1000.0));
    }
    // HTTP-date: IMF-fixdate is the one servers send; RFC 850 and asctime forms are obsolete.
    const QString text = QString::fromLatin1(v);
    const QLocale c = QLocale::c();
    static const char *const formats[] = {"ddd, dd MMM yyyy HH:mm:ss 'GMT'", "dddd, dd-MMM-yy HH:mm:ss 'GMT'",
                                          "ddd MMM d HH:mm:ss yyyy"};
    for (const char *format : formats) {
        QDateTime when = c.toDateTime(text.simplified(), QLatin1String(format));
        if (!when.isValid())
            continue;
        when.setTimeZone(QTimeZone::utc());
        if (when.date().year() < 100)
            when = when.addYears(2000);
        return std::max<qint64>(0, now.msecsTo(when));
    }
    return std::nullopt;
}

} // namespace agency::llm
