#pragma once

#include <QJsonObject>
#include <QString>

namespace agency::core {

/// The closed set of failure kinds. Every layer reports failures with one of these; the HTTP
/// layer maps each to exactly one status code (see httpStatusFor()) and the CLI to an exit code.
enum class ErrorCode {
    InvalidArgument,      ///< input failed validation (HTTP 422)
    BadRequest,           ///< malformed request body, e.g. bad JSON (HTTP 400)
    NotFound,             ///< absent, or belongs to another tenant (HTTP 404)
    Conflict,             ///< state does not allow the operation (HTTP 409)
    Unauthenticated,      ///< missing or wrong credentials (HTTP 401)
    Forbidden,            ///< authenticated but not allowed (HTTP 403)
    PayloadTooLarge,      ///< request or field over a documented limit (HTTP 413)
    RateLimited,          ///< our own token budget refused the call (HTTP 429)
    ProviderUnauthorized, ///< the LLM provider rejected our credentials (HTTP 502)
    ProviderBadRequest,   ///< the LLM provider rejected the request, with its own message (HTTP 502)
    ProviderRateLimited,  ///< the LLM provider answered 429 (HTTP 429)
    ProviderUnavailable,  ///< provider 5xx or network failure (HTTP 502)
    ProviderTimeout,      ///< provider did not answer in time (HTTP 504)
    ProviderMalformed,    ///< provider answered something we cannot parse (HTTP 502)
    NotConfigured,        ///< a required setting is missing, e.g. an API key (HTTP 503)
    Cancelled,            ///< the caller cancelled the operation (HTTP 499 in logs; no response)
    DatabaseUnavailable,  ///< the database cannot be reached (HTTP 503)
    DatabaseError,        ///< the database refused a statement (HTTP 500, JSON body)
    SchemaMismatch,       ///< schema newer than the program, or an edited migration (HTTP 503)
    Internal,             ///< a bug or an environment failure (HTTP 500, JSON body)
};

/// Stable snake_case name used in JSON error bodies and logs.
QString errorCodeName(ErrorCode code);

/// The one table from error kind to HTTP status (docs/design.md#http).
int httpStatusFor(ErrorCode code);

/// A failure: what kind, a human sentence, and optional structured details
/// (e.g. {"field": "tenant_id"} or {"retry_after_ms": 1200}).
struct Error
{
    ErrorCode code = ErrorCode::Internal;
    QString message;
    QJsonObject details;

    QString codeName() const { return errorCodeName(code); }
    /// "code: message" for logs and terminal output.
    QString toString() const;
};

inline Error makeError(ErrorCode code, QString message, QJsonObject details = {})
{
    return Error{code, std::move(message), std::move(details)};
}

} // namespace agency::core
