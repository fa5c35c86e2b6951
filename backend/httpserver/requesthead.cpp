#include "requesthead.h"

#include <algorithm>
#include <array>

namespace agency::httpserver {

namespace {

constexpr qsizetype kMaxMethodLength = 32;

/// A token character of RFC 9110 §5.6.2.
bool isTokenChar(char c)
{
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

/// The offset of the request line: empty lines before it are allowed (RFC 9112 §2.2).
qsizetype requestLineStart(QByteArrayView bytes)
{
    qsizetype i = 0;
    while (i < bytes.size() && (bytes[i] == '\r' || bytes[i] == '\n'))
        ++i;
    return i;
}

/// The methods the server answers, as shared literals: naming a request's method allocates nothing.
const std::array<QByteArray, 7> &servedMethods()
{
    static const std::array<QByteArray, 7> methods = {
        QByteArrayLiteral("GET"),    QByteArrayLiteral("HEAD"),  QByteArrayLiteral("POST"),
        QByteArrayLiteral("PUT"),    QByteArrayLiteral("PATCH"), QByteArrayLiteral("DELETE"),
        QByteArrayLiteral("OPTIONS")};
    return methods;
}

QByteArray methodName(QByteArrayView method)
{
    for (const QByteArray &served : servedMethods()) {
        if (method.compare(served) == 0)
            return served;
    }
    return method.toByteArray();
}

bool hasToken(QByteArrayView list, QByteArrayView token)
{
    for (qsizetype start = 0; start <= list.size();) {
        qsizetype end = list.indexOf(',', start);
        if (end < 0)
            end = list.size();
        if (list.sliced(start, end - start).trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
        start = end + 1;
    }
    return false;
}

} // namespace

RequestStart classifyRequestStart(QByteArrayView received)
{
    const QByteArrayView bytes = received.sliced(requestLineStart(received));
    qsizetype i = 0;
    for (; i < bytes.size() && bytes[i] != ' '; ++i) {
        if (!isTokenChar(bytes[i]) || i >= kMaxMethodLength)
            return RequestStart::NotHttp;
    }
    if (i == bytes.size())
        return RequestStart::Incomplete;
    if (i == 0)
        return RequestStart::NotHttp;
    const qsizetype lineEnd = bytes.indexOf('\n', i);
    if (lineEnd < 0)
        return RequestStart::Incomplete;
    const QByteArrayView line = bytes.first(lineEnd).trimmed();
    const qsizetype lastSpace = line.lastIndexOf(' ');
    if (lastSpace <= i + 1) // no target between the method and the version
        return RequestStart::NotHttp;
    const QByteArrayView version = line.sliced(lastSpace + 1);
    if (version.size() != 8 || !version.startsWith("HTTP/1.") || version[7] < '0' || version[7] > '9')
        return RequestStart::NotHttp;
    return RequestStart::Http;
}

RequestHead parseRequestHead(QByteArrayView block)
{
    RequestHead head;
    const QByteArrayView bytes = block.sliced(requestLineStart(block));
    qsizetype lineEnd = bytes.indexOf('\n');
    if (lineEnd < 0)
        lineEnd = bytes.size();
    const QByteArrayView requestLine = bytes.first(lineEnd).trimmed();
    head.method = methodName(requestLine.first(qMax<qsizetype>(0, requestLine.indexOf(' '))));
    head.http10 = requestLine.endsWith("HTTP/1.0");
    bool connectionClose = false;
    bool connectionKeepAlive = false;
    // Views, not copies: this runs once per request, before QHttpServer parses the same bytes.
    for (qsizetype start = lineEnd + 1; start < bytes.size();) {
        qsizetype end = bytes.indexOf('\n', start);
        if (end < 0)
            end = bytes.size();
        const QByteArrayView line = bytes.sliced(start, end - start).trimmed();
        start = end + 1;
        if (line.isEmpty())
            continue;
        ++head.fieldLines;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArrayView name = line.first(colon).trimmed();
        const QByteArrayView value = line.sliced(colon + 1).trimmed();
        if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
            bool ok = false;
            head.contentLength = value.toLongLong(&ok);
            if (!ok)
                head.contentLength = -1;
        } else if (name.compare("connection", Qt::CaseInsensitive) == 0) {
            connectionClose = connectionClose || hasToken(value, "close");
            connectionKeepAlive = connectionKeepAlive || hasToken(value, "keep-alive");
        }
    }
    head.keepAlive = head.http10 ? connectionKeepAlive && !connectionClose : !connectionClose;
    return head;
}

bool isServedMethod(QByteArrayView method)
{
    const auto &served = servedMethods();
    return std::any_of(served.cbegin(), served.cend(),
                       [method](const QByteArray &m) { return method.compare(m) == 0; });
}

} // namespace agency::httpserver
