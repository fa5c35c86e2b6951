#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace agency::httpserver {

/// What the connection gate reads from a request's header block before QHttpServer parses it:
/// the facts QHttpServer 6.4 does not expose (the method as sent, the protocol version) and the
/// ones the limits need (Content-Length, the number of header lines).
struct RequestHead
{
    QByteArray method;         ///< as sent, e.g. "GET"
    bool http10 = false;       ///< "HTTP/1.0" (else HTTP/1.1)
    bool keepAlive = true;     ///< the connection stays open after the answer (RFC 9112 §9.3)
    int fieldLines = 0;        ///< header lines after the request line
    qint64 contentLength = -1; ///< -1: none or unparsable (chunked)
};

/// Most header lines a request may have. QHttpServer 6.4 drops every header of a request with
/// more than 100 (it answers as if none were sent: no key, no "Connection: close"), so the gate
/// refuses 100 or more with 431 instead.
inline constexpr int kMaxHeaderLines = 99;

/// Whether the bytes received so far can begin an HTTP/1.x request: a method token, a space, a
/// target, a space and "HTTP/1.x" on the first line (after optional empty lines). Incomplete
/// while the answer depends on bytes not yet received.
enum class RequestStart { Incomplete, Http, NotHttp };
RequestStart classifyRequestStart(QByteArrayView received);

/// Parses a complete header block (request line to the empty line, inclusive). Call only on a
/// block whose start classifyRequestStart() judged Http.
RequestHead parseRequestHead(QByteArrayView block);

/// The methods the server answers: every other one is 501 (a route that does not take one of
/// these answers 405).
bool isServedMethod(QByteArrayView method);

} // namespace agency::httpserver
