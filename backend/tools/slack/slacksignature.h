#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QDateTime>

namespace agency::tools::slack {

/// How far a request's X-Slack-Request-Timestamp may be from now (either way): older ones are
/// refused as possible replays.
constexpr qint64 kMaxSignatureAgeS = 5 * 60;

/// "v0=" + hex HMAC-SHA256 of "v0:{timestamp}:{body}" under `signingSecret`: what Slack sends as
/// X-Slack-Signature.
QByteArray slackSignature(const QByteArray &signingSecret, const QByteArray &timestamp,
                          const QByteArray &body);

/// Checks a request's timestamp (a whole number of seconds within kMaxSignatureAgeS of `now`)
/// and its signature under `signingSecret`, comparing in constant time. Unauthenticated (401)
/// with a reason that names neither the secret nor the expected signature.
core::Status verifySlackSignature(const QByteArray &signingSecret, const QByteArray &timestamp,
                                  const QByteArray &body, const QByteArray &signature, const QDateTime &now);

/// The timestamp check alone (done before any secret is read).
core::Status checkSlackTimestamp(const QByteArray &timestamp, const QDateTime &now);

/// Byte strings equal, in time that depends only on their lengths.
bool constantTimeEquals(const QByteArray &a, const QByteArray &b);

} // namespace agency::tools::slack
