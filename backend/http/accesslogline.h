#pragma once

#include <QByteArray>

namespace agency::http {

class ApiCall;

/// The access-log line for an answered call: one compact JSON object (no newline) with ts, method,
/// path, status, duration_ms, request_id, client and, when known, tenant and key_id. Written by
/// hand rather than through QJsonObject: it is built once per request, and the generic path cost
/// a measurable share of a small request (see README "Benchmarks").
QByteArray accessLogLine(const ApiCall &call, int status);

/// `text` as a JSON string literal (quotes included), UTF-8, with ", \ and control characters
/// escaped.
void appendJsonString(QByteArray &out, const QString &text);

} // namespace agency::http
