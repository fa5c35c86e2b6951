#include "requestlogformat.h"

#include "apicall.h"

#include <QDateTime>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace agency::httpserver {

namespace {

void appendNumber(QByteArray &out, qint64 value)
{
    std::array<char, 24> digits{};
    const auto result = std::to_chars(digits.data(), digits.data() + digits.size(), value);
    out.append(digits.data(), result.ptr - digits.data());
}

void appendEscaped(QByteArray &out, unsigned char byte)
{
    static const char hex[] = "0123456789abcdef";
    if (byte == '"' || byte == '\\') {
        out += '\\';
        out += char(byte);
    } else if (byte < 0x20) {
        out += "\\u00";
        out += hex[byte >> 4];
        out += hex[byte & 0xf];
    } else {
        out += char(byte);
    }
}

QRandomGenerator64 seededFromTheSystem()
{
    std::array<quint32, 4> seed{};
    QRandomGenerator::system()->fillRange(seed.data(), seed.size());
    return QRandomGenerator64(seed.data(), static_cast<qsizetype>(seed.size()));
}

} // namespace

void appendJsonString(QByteArray &out, const QString &text)
{
    out += '"';
    // The usual case (paths, ids, addresses): printable ASCII with nothing to escape, copied in
    // one pass into space reserved at once instead of appended byte by byte.
    const qsizetype start = out.size();
    out.resize(start + text.size());
    char *dst = out.data() + start;
    bool plain = true;
    for (const QChar c : text) {
        const char16_t u = c.unicode();
        if (u >= 0x80 || u < 0x20 || u == '"' || u == '\\') {
            plain = false;
            break;
        }
        *dst++ = static_cast<char>(u);
    }
    if (!plain) { // escapes or non-ASCII: byte by byte over the UTF-8 form
        out.truncate(start);
        const QByteArray utf8 = text.toUtf8();
        for (const char c : utf8)
            appendEscaped(out, static_cast<unsigned char>(c));
    }
    out += '"';
}

RequestLogFormat::RequestLogFormat() : m_random(seededFromTheSystem()) {}

void RequestLogFormat::appendTimestamp(QByteArray &out)
{
    const qint64 ms = QDateTime::currentMSecsSinceEpoch();
    const qint64 second = ms / 1000;
    if (second != m_second) { // the date part changes once a second; format it only then
        const std::time_t seconds = static_cast<std::time_t>(second);
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        char text[32];
        const int n = std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.", utc.tm_year + 1900,
                                    utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
        m_secondText = QByteArray(text, n);
        m_second = second;
    }
    out += m_secondText;
    const int millis = static_cast<int>(ms % 1000);
    out += char('0' + millis / 100);
    out += char('0' + millis / 10 % 10);
    out += char('0' + millis % 10);
    out += 'Z';
}

QString RequestLogFormat::newRequestId()
{
    const std::array<quint64, 2> words{m_random.generate64(), m_random.generate64()};
    std::array<unsigned char, 16> bytes{};
    std::memcpy(bytes.data(), words.data(), bytes.size());
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40); // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
    static const char hex[] = "0123456789abcdef";
    QString id(36, Qt::Uninitialized); // 8-4-4-4-12 hex digits
    QChar *out = id.data();
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *out++ = QLatin1Char('-');
        *out++ = QLatin1Char(hex[bytes[i] >> 4]);
        *out++ = QLatin1Char(hex[bytes[i] & 0xf]);
    }
    return id;
}

const QString &RequestLogFormat::peerText(const QHostAddress &peer)
{
    // operator== is strict (an IPv4-mapped IPv6 address is not equal to its IPv4 form, whose text
    // differs); the scope id is part of the text of a link-local IPv6 address, so compare it too.
    if (m_lastPeerText.isEmpty() || peer != m_lastPeer || peer.scopeId() != m_lastPeer.scopeId()) {
        m_lastPeer = peer;
        m_lastPeerText = peer.toString();
    }
    return m_lastPeerText;
}

QByteArray RequestLogFormat::line(const ApiCall &call, int status)
{
    const core::Principal &p = call.principal();
    const QString &tenant = !call.logTenant().isEmpty() ? call.logTenant() : p.tenantId;
    QByteArray line;
    line.reserve(320);
    line += "{\"ts\":\"";
    appendTimestamp(line);
    line += "\",\"method\":\"";
    line += call.method(); // one of a fixed set of names
    line += "\",\"path\":";
    appendJsonString(line, call.path());
    line += ",\"status\":";
    appendNumber(line, status);
    line += ",\"duration_ms\":";
    appendNumber(line, call.elapsedMs());
    line += ",\"request_id\":";
    appendJsonString(line, call.requestId());
    line += ",\"client\":";
    appendJsonString(line, peerText(call.peer()));
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

} // namespace agency::httpserver
