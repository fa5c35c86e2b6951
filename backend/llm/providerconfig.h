#pragma once

#include "llm/httpcall.h"

#include <QString>

namespace agency::llm {

/// Settings shared by the HTTP adapters, resolved by ProviderFactory (or a test) from config.
/// Plain value. `apiKey` is a secret: adapters send it only to `baseUrl`'s origin and never log it.
struct HttpProviderConfig
{
    QString baseUrl;      ///< e.g. "https://api.openai.com/v1" (no trailing slash needed)
    QString apiKey;       ///< may be empty for local OpenAI-compatible servers
    QString defaultModel; ///< used when CompletionRequest::model is empty
    HttpTimeouts timeouts;
    RetryPolicy retry;
};

/// `base` + `path` with exactly one slash between them.
inline QString joinUrl(const QString &base, const QString &path)
{
    QString b = base;
    while (b.endsWith(u'/'))
        b.chop(1);
    if (path.startsWith(u'/'))
        return b + path;
    return b + u'/' + path;
}

} // namespace agency::llm
