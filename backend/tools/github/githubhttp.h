#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"

#include <QByteArray>
#include <QHash>
#include <QString>

class QNetworkAccessManager;
class QNetworkRequest;

namespace agency::tools {

/// One HTTP answer of any status, as GitHubClient and GitHubAuth judge it.
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

/// Sends one request and gathers its answer, whatever the status; redirects are not followed.
/// Errors: Cancelled, ProviderTimeout (no answer within `timeoutMs`), ProviderUnavailable
/// (connection failure), ProviderMalformed (body over the limit). Messages name `service`, never
/// the URL or a header. Thread affinity: `nam`'s thread; the future finishes there.
core::Async<HttpAnswer> sendHttp(QNetworkAccessManager &nam, QNetworkRequest request,
                                 const QByteArray &method, const QByteArray &body,
                                 const core::CancelTokenPtr &cancel, int timeoutMs, BodyLimit limit,
                                 const QString &service);

/// The headers every GitHub API request carries (Accept, X-GitHub-Api-Version, User-Agent).
void setGitHubHeaders(QNetworkRequest &request);

} // namespace agency::tools
