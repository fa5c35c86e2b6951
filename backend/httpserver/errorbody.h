#pragma once

#include "apicall.h"

namespace agency::httpserver {

/// The HTTP status for an error: core::httpStatusFor(), except that a cancelled call that is still
/// answered (the server is stopping) is 503, since 499 is a log-only code.
int statusForError(const core::Error &error);

/// The agency's error answer (docs/design.md#http): {"error":{"code","message","details"}} with the
/// status from statusForError() and, for 429, Retry-After and the x-ratelimit-* headers.
RenderedError renderAgencyError(const core::Error &error);

/// Retry-After and x-ratelimit-{limit,remaining,reset}-tokens from a rate-limit error's details
/// (retry_after_ms, limit_tokens, remaining_tokens, reset_ms); empty for other errors. Shared by
/// every error shape (the OpenAI-compatible routes use it too).
Headers rateLimitHeaders(const core::Error &error);

/// "OK", "Not Found", … for the status line.
QByteArray reasonPhrase(int status);

} // namespace agency::httpserver
