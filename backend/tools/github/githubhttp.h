#pragma once

#include <QString>
#include <QUrl>
#include <QUrlQuery>

class QNetworkRequest;

namespace agency::tools {

/// The headers every GitHub API request carries: Accept (GitHub's media type),
/// X-GitHub-Api-Version, User-Agent.
void setGitHubHeaders(QNetworkRequest &request);

/// `path` ("/repos/o/r/issues", not encoded) below `base` (which may have a path of its own, as
/// GitHub Enterprise Server's /api/v3), with `query`.
QUrl gitHubUrl(const QUrl &base, const QString &path, const QUrlQuery &query = {});

} // namespace agency::tools
