#pragma once

#include <QByteArray>
#include <QList>

#include <functional>

namespace agency::httpserver {

/// Everything the HTTP server is configured with (README "Limits"). Defaults are safe for a
/// server on a network; the composition root fills them from the HTTP_* settings.
struct ServerConfig
{
    /// False only with `serve --no-auth`, which listen() accepts on loopback addresses alone.
    bool authRequired = true;

    qint64 maxBodyBytes = 4 * 1024 * 1024; ///< larger bodies get 413, before being read when announced
    /// POST bodies to these paths (exact, without query) may be up to maxUploadBodyBytes instead:
    /// document uploads, whose limit is DOCUMENT_MAX_BYTES plus the multipart framing.
    QList<QByteArray> uploadPaths;
    qint64 maxUploadBodyBytes = 0;
    int maxHeaderBytes = 16 * 1024;   ///< request line + headers; larger gets 431
    int maxConnections = 512;         ///< open connections; more are answered 503 and closed
    int maxConnectionsPerClient = 64; ///< open connections from one address; more get 503 at once
    int idleTimeoutMs = 60'000;       ///< keep-alive connection with no request in progress
    int headerTimeoutMs = 10'000;     ///< from a request's first byte to its headers' end (408)
    int requestTimeoutMs = 30'000;    ///< from a request's first byte to its last (slow clients: 408)
    int turnDeadlineMs = 300'000;     ///< a chat turn running longer is cancelled (504)
    int healthMaxAgeMs = 1'000;       ///< GET /health reuses a database check this recent
    int shutdownGraceMs = 20'000;     ///< on stop, turns in flight may finish this long, then are cancelled

    int authFailLimit = 10;        ///< failed authentications from one address within the window…
    int authFailWindowMs = 60'000; ///< …after which the address is refused (429)…
    int authBanMs = 300'000;       ///< …for this long

    /// Receives one JSON object per line for every answered request (the access log). Empty: none.
    std::function<void(const QByteArray &line)> accessLog;
};

} // namespace agency::httpserver
