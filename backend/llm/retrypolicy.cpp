#include "retrypolicy.h"

#include <QLocale>
#include <QTimeZone>

#include <algorithm>
#include <cmath>
#include <span>

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
    // HTTP-date. The weekday is dropped before parsing: it is redundant, and QLocale would check
    // it against the RFC 850 form's two-digit year read as 19xx.
    QString text = QString::fromLatin1(v).simplified();
    const qsizetype comma = text.indexOf(u',');
    const bool hasComma = comma >= 0;
    text = hasComma ? text.mid(comma + 1).trimmed() : text.section(u' ', 1);
    const QLocale c = QLocale::c();
    static const char *const withComma[] = {"dd MMM yyyy HH:mm:ss 'GMT'", "dd-MMM-yy HH:mm:ss 'GMT'"};
    static const char *const asctime[] = {"MMM d HH:mm:ss yyyy"};
    for (const char *format :
         hasComma ? std::span<const char *const>(withComma) : std::span<const char *const>(asctime)) {
        QDateTime when = c.toDateTime(text, QLatin1String(format));
        if (!when.isValid())
            continue;
        when.setTimeZone(QTimeZone::utc());
        if (when.date().year() < 1970) // two-digit RFC 850 years: QLocale reads "15" as 1915
            when = when.addYears(100);
        return std::max<qint64>(0, now.msecsTo(when));
    }
    return std::nullopt;
}

} // namespace agency::llm
