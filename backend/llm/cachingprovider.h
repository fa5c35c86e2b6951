#pragma once

#include "llm/provider.h"

#include <QJsonObject>

#include <functional>
#include <memory>
#include <optional>

namespace agency::llm {

/// Where the response cache keeps answers; the composition root binds it to the database.
/// `key` is requestKey(); an answer is completionToJson()'s shape. Both may finish on any thread.
struct ResponseCacheStore
{
    std::function<core::Async<std::optional<QJsonObject>>(const CacheScope &scope, const QString &key)> find;
    std::function<core::Async<void>(const CacheScope &scope, const QString &key, const Completion &answer)>
        store;
};

/// The exact-match response cache (docs/costs.md), a decorator of any provider. A call whose
/// CallOptions::cache names a tenant and a flow is looked up by tenant, flow and requestKey() (the
/// provider, the model and the whole request: history, tools, tool choice, parameters, response
/// format): a hit is answered without calling the provider — streamed as one piece when the
/// caller streams — marked Completion::cached, with zero usage; a miss calls the provider and
/// stores a successful answer. Calls without a scope pass straight through. A cache that cannot
/// be read or written is a miss (logged), never a failed call.
///
/// Thread affinity and errors: those of the wrapped provider, whose info() it reports.
class CachingProvider : public Provider
{
    Q_OBJECT

public:
    CachingProvider(std::shared_ptr<Provider> inner, ResponseCacheStore store, QObject *parent = nullptr);

    core::Async<Completion> complete(const CompletionRequest &request, CallOptions options = {}) override;
    core::ProviderInfo info() const override;

    /// SHA-256 (hex) of the canonical JSON of everything that decides the answer.
    static QString requestKey(const CompletionRequest &request, const QString &provider,
                              const QString &model);
    static QJsonObject completionToJson(const Completion &completion);
    /// nullopt for an entry that is not a usable answer.
    static std::optional<Completion> completionFromJson(const QJsonObject &json);

private:
    core::Async<Completion> callAndStore(const CompletionRequest &request, const CallOptions &options,
                                         const QString &key);

    std::shared_ptr<Provider> m_inner;
    ResponseCacheStore m_store;
};

} // namespace agency::llm
