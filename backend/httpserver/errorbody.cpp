#include "errorbody.h"

#include "core/json.h"

#include <QtMath>

namespace agency::httpserver {

int statusForError(const core::Error &error)
{
    if (error.code == core::ErrorCode::Cancelled)
        return 503;
    return core::httpStatusFor(error.code);
}

namespace {

/// OpenAI's reset format ("250ms", "1.5s", "6m0s"): clients already parse it.
QByteArray resetDuration(qint64 ms)
{
    if (ms < 1000)
        return QByteArray::number(ms) + "ms";
    if (ms < 60'000)
        return QByteArray::number(static_cast<double>(ms) / 1000.0, 'g', 6) + "s";
    return QByteArray::number(ms / 60'000) + "m" + QByteArray::number((ms % 60'000) / 1000) + "s";
}

} // namespace

Headers rateLimitHeaders(const core::Error &error)
{
    if (error.code != core::ErrorCode::RateLimited && error.code != core::ErrorCode::ProviderRateLimited)
        return {};
    const QJsonObject &d = error.details;
    Headers headers;
    // Retry-After is whole seconds; round up so a client that obeys it is never refused again.
    const qint64 retryMs = d.value(QStringLiteral("retry_after_ms")).toInteger(1000);
    headers.append(
        {QByteArrayLiteral("Retry-After"), QByteArray::number(qMax<qint64>(1, (retryMs + 999) / 1000))});
    if (d.contains(QStringLiteral("limit_tokens"))) {
        headers.append({QByteArrayLiteral("x-ratelimit-limit-tokens"),
                        QByteArray::number(d.value(QStringLiteral("limit_tokens")).toInteger())});
    }
    if (d.contains(QStringLiteral("remaining_tokens"))) {
        headers.append({QByteArrayLiteral("x-ratelimit-remaining-tokens"),
                        QByteArray::number(d.value(QStringLiteral("remaining_tokens")).toInteger())});
    }
    if (d.contains(QStringLiteral("reset_ms"))) {
        headers.append({QByteArrayLiteral("x-ratelimit-reset-tokens"),
                        resetDuration(d.value(QStringLiteral("reset_ms")).toInteger())});
    }
    return headers;
}

RenderedError renderAgencyError(const core::Error &error)
{
    RenderedError out;
    out.status = statusForError(error);
    out.body = core::toCompactJson(
        QJsonObject{{QStringLiteral("error"), QJsonObject{{QStringLiteral("code"), error.codeName()},
                                                          {QStringLiteral("message"), error.message},
                                                          {QStringLiteral("details"), error.details}}}});
    out.headers = rateLimitHeaders(error);
    return out;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 422:
        return "Unprocessable Entity";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

} // namespace agency::httpserver
