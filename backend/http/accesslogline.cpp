#include "accesslogline.h"

#include "apicall.h"

#include <QDateTime>

#include <cstdio>
#include <ctime>

namespace agency::http {

namespace {

/// Now as ISO 8601 UTC with milliseconds, as Qt::ISODateWithMs writes it ("…T19:59:07.123Z").
void appendTimestamp(QByteArray &out)
{
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char text[32];
    const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                                static_cast<int>(ms % 1000));
    out.append(text, n);
}

} // namespace

void appendJsonString(QByteArray &out, const QString &text)
{
    static const char hex[] = "0123456789abcdef";
    out += '"';
    const QByteArray utf8 = text.toUtf8();
    for (const char c : utf8) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20) {
            out += "\\u00";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    out += '"';
}

QByteArray accessLogLine(const ApiCall &call, int status)
{
    const core::Principal &p = call.principal();
    const QString &tenant = !call.logTenant().isEmpty() ? call.logTenant() : p.tenantId;
    QByteArray line;
    line.reserve(256);
    line += "{\"ts\":\"";
    appendTimestamp(line);
    line += "\",\"method\":";
    appendJsonString(line, QString::fromLatin1(call.method()));
    line += ",\"path\":";
    appendJsonString(line, call.path());
    line += ",\"status\":" + QByteArray::number(status);
    line += ",\"duration_ms\":" + QByteArray::number(call.elapsedMs());
    line += ",\"request_id\":";
    appendJsonString(line, call.requestId());
    line += ",\"client\":";
    appendJsonString(line, call.peer().toString());
    if (!tenant.isEmpty()) {
        line += ",\"tenant\":";
        appendJsonString(line, tenant);
    }
    if (!p.keyId.isEmpty()) {
        line += ",\"key_id\":";
        appendJsonString(line, p.keyId);
    }
    line += '}';
    return line;
}

} // namespace agency::http
