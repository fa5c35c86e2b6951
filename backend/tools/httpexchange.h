#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"

#include <QByteArray>
#include <QHash>
#include <QString>

class QNetworkAccessManager;
class QNetworkRequest;

namespace agency::tools {

/// One HTTP answer of any status, for the caller to judge (the web services the tools call).
struct HttpAnswer
{
    int status = 0;
    QHash<QByteArray, QByteArray> headers; ///< names in lower case
    QByteArray body;

    QByteArray header(const char *lowerCaseName) const { return headers.value(QByteArray(lowerCaseName)); }
};

/// How much of a body to keep.
struct BodyLimit
{
    qint64 maxBytes = 2 << 20;
    /// false: a longer body is an error (ProviderMalformed); true: keep its last maxBytes.
    bool keepTail = false;
};

/// Sends one request and gathers its answer, whatever the status; redirects are not followed (a
/// credential in the request must not travel to another host).
/// Errors: Cancelled, ProviderTimeout (no answer within `timeoutMs`), ProviderUnavailable
/// (connection failure), ProviderMalformed (body over the limit). Messages name `service`
/// ("Open-Meteo geocoding", "GitHub"), never the URL or a header (either may carry a key).
/// Thread affinity: `nam`'s thread; the future finishes there.
core::Async<HttpAnswer> sendHttp(QNetworkAccessManager &nam, QNetworkRequest request,
                                 const QByteArray &method, const QByteArray &body,
                                 const core::CancelTokenPtr &cancel, int timeoutMs, BodyLimit limit,
                                 const QString &service);

} // namespace agency::tools
