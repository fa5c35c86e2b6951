#include "httpjson.h"

#include "httpexchange.h"

#include <QJsonDocument>
#include <QNetworkRequest>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr qint64 kMaxBodyBytes = 1 << 20;

Result<JsonReply> evaluate(const HttpAnswer &answer, const QString &service)
{
    const int status = answer.status;
    if (status >= 500)
        return makeError(ErrorCode::ProviderUnavailable,
                         QStringLiteral("%1 failed (HTTP %2)").arg(service).arg(status),
                         {{QStringLiteral("http_status"), status}});
    if (status >= 300 && status < 400)
        return makeError(ErrorCode::ProviderUnavailable,
                         QStringLiteral("%1 answered with a redirect (HTTP %2), which is not followed")
                             .arg(service)
                             .arg(status),
                         {{QStringLiteral("http_status"), status}});
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(answer.body, &parseError);
    const bool isObject = parseError.error == QJsonParseError::NoError && doc.isObject();
    if (status >= 200 && status < 300 && !isObject)
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 returned malformed JSON").arg(service));
    if (status < 200)
        return makeError(ErrorCode::ProviderMalformed,
                         QStringLiteral("%1 answered HTTP %2").arg(service).arg(status));
    return JsonReply{status, isObject ? doc.object() : QJsonObject()};
}

} // namespace

core::Async<JsonReply> getJson(QNetworkAccessManager &nam, const QUrl &url, const QString &service,
                               const core::CancelTokenPtr &cancel, int timeoutMs)
{
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("aiagency/" AGENCY_VERSION));
    return sendHttp(nam, request, "GET", {}, cancel, timeoutMs, BodyLimit{kMaxBodyBytes, false}, service)
        .then([service](Result<HttpAnswer> answer) -> Result<JsonReply> {
            if (!answer)
                return answer.error();
            return evaluate(answer.value(), service);
        });
}

} // namespace agency::tools
