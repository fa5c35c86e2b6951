#pragma once

#include <QUrl>
#include <QtGlobal>

namespace agency::tools {

/// Configuration of the GitHub tools (setting GITHUB_API_BASE_URL; the rest are fixed bounds a
/// test may lower). Plain value.
struct GitHubConfig
{
    QUrl apiBaseUrl{QStringLiteral("https://api.github.com")}; ///< GitHub Enterprise: https://HOST/api/v3
    int httpTimeoutMs = 15000;                                 ///< per HTTP request
    int maxAttempts = 3;                                       ///< per call, the first included
    /// The longest wait for a rate limit to reset (x-ratelimit-reset, retry-after); a longer one
    /// fails at once with a rate-limit error saying when to try again.
    qint64 maxRateLimitWaitMs = 60'000;
    /// An installation token is exchanged again this long before it expires.
    qint64 tokenRefreshMarginMs = 5 * 60'000;
};

} // namespace agency::tools
