#pragma once

#include "core/error.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPair>
#include <QString>

namespace agency::llm {

using RawHeaders = QList<QPair<QByteArray, QByteArray>>;

/// Case-insensitive header lookup; empty when absent.
QByteArray headerValue(const RawHeaders &headers, const QByteArray &name);

/// The human message a provider put in an error body: `error.message` (OpenAI, Google — also
/// inside a one-element array as Google's streaming endpoints send it), `error` as a string,
/// `message` or `detail` (Mistral), `error_description` (OAuth). Falls back to the body itself,
/// shortened. Never includes request headers, so never a key.
QString providerErrorMessage(const QByteArray &body);

/// Maps a non-2xx HTTP answer to the typed provider error (see Provider's error contract):
/// 401/403 → ProviderUnauthorized, 408 → ProviderTimeout, 429 → ProviderRateLimited (with
/// details.retry_after_ms from Retry-After or retry-after-ms), 5xx → ProviderUnavailable, other
/// statuses → ProviderBadRequest. Messages start with `who` ("OpenAI", "Vertex AI token endpoint").
core::Error classifyHttpError(const QString &who, int status, const RawHeaders &headers,
                              const QByteArray &body, const QDateTime &now);

} // namespace agency::llm
