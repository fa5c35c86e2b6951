#include "error.h"

namespace agency::core {

QString errorCodeName(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return QStringLiteral("invalid_argument");
    case ErrorCode::BadRequest:
        return QStringLiteral("bad_request");
    case ErrorCode::NotFound:
        return QStringLiteral("not_found");
    case ErrorCode::Conflict:
        return QStringLiteral("conflict");
    case ErrorCode::Unauthenticated:
        return QStringLiteral("unauthenticated");
    case ErrorCode::Forbidden:
        return QStringLiteral("forbidden");
    case ErrorCode::PayloadTooLarge:
        return QStringLiteral("payload_too_large");
    case ErrorCode::RateLimited:
        return QStringLiteral("rate_limited");
    case ErrorCode::ProviderUnauthorized:
        return QStringLiteral("provider_unauthorized");
    case ErrorCode::ProviderBadRequest:
        return QStringLiteral("provider_bad_request");
    case ErrorCode::ProviderRateLimited:
        return QStringLiteral("provider_rate_limited");
    case ErrorCode::ProviderUnavailable:
        return QStringLiteral("provider_unavailable");
    case ErrorCode::ProviderTimeout:
        return QStringLiteral("provider_timeout");
    case ErrorCode::ProviderMalformed:
        return QStringLiteral("provider_malformed_response");
    case ErrorCode::NotConfigured:
        return QStringLiteral("not_configured");
    case ErrorCode::Cancelled:
        return QStringLiteral("cancelled");
    case ErrorCode::DatabaseUnavailable:
        return QStringLiteral("database_unavailable");
    case ErrorCode::DatabaseError:
        return QStringLiteral("database_error");
    case ErrorCode::SchemaMismatch:
        return QStringLiteral("schema_mismatch");
    case ErrorCode::Internal:
        return QStringLiteral("internal");
    }
    return QStringLiteral("internal");
}

int httpStatusFor(ErrorCode code)
{
    switch (code) {
    case ErrorCode::InvalidArgument:
        return 422;
    case ErrorCode::BadRequest:
        return 400;
    case ErrorCode::NotFound:
        return 404;
    case ErrorCode::Conflict:
        return 409;
    case ErrorCode::Unauthenticated:
        return 401;
    case ErrorCode::Forbidden:
        return 403;
    case ErrorCode::PayloadTooLarge:
        return 413;
    case ErrorCode::RateLimited:
        return 429;
    case ErrorCode::ProviderUnauthorized:
        return 502;
    case ErrorCode::ProviderBadRequest:
        return 502;
    case ErrorCode::ProviderRateLimited:
        return 429;
    case ErrorCode::ProviderUnavailable:
        return 502;
    case ErrorCode::ProviderTimeout:
        return 504;
    case ErrorCode::ProviderMalformed:
        return 502;
    case ErrorCode::NotConfigured:
        return 503;
    case ErrorCode::Cancelled:
        return 499;
    case ErrorCode::DatabaseUnavailable:
        return 503;
    case ErrorCode::DatabaseError:
        return 500;
    case ErrorCode::SchemaMismatch:
        return 503;
    case ErrorCode::Internal:
        return 500;
    }
    return 500;
}

QString Error::toString() const
{
    return codeName() + QStringLiteral(": ") + message;
}

} // namespace agency::core
