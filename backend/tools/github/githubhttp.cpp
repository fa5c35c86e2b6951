#include "githubhttp.h"

#include <QNetworkRequest>

namespace agency::tools {

void setGitHubHeaders(QNetworkRequest &request)
{
    request.setRawHeader("Accept", "application/vnd.github+json");
    request.setRawHeader("X-GitHub-Api-Version", "2022-11-28");
    request.setHeader(QNetworkRequest::UserAgentHeader, QByteArray("aiagency/" AGENCY_VERSION));
}

QUrl gitHubUrl(const QUrl &base, const QString &path, const QUrlQuery &query)
{
    QUrl url = base;
    QString basePath = url.path();
    while (basePath.endsWith(u'/'))
        basePath.chop(1);
    url.setPath(basePath + path, QUrl::DecodedMode);
    if (!query.isEmpty())
        url.setQuery(query);
    return url;
}

} // namespace agency::tools
