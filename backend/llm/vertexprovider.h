#pragma once

#include "core/clock.h"
#include "llm/googleauth.h"
#include "llm/provider.h"
#include "llm/providerconfig.h"

#include <QPointer>

#include <memory>

class QNetworkAccessManager;

namespace agency::llm {

/// Where and how the Gemini adapter talks.
struct VertexConfig
{
    enum class Mode {
        VertexAi, ///< {base}/v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent,
                  ///< OAuth
        GeminiApi ///< {base}/v1beta/models/{m}:generateContent with `x-goog-api-key`
    };
    Mode mode = Mode::VertexAi;
    HttpProviderConfig http; ///< baseUrl; apiKey only in GeminiApi mode
    QString projectId;       ///< VertexAi mode; empty: asked from the token source on the first call
    QString location;        ///< VertexAi mode, e.g. "us-central1"
};

/// Adapter for Google's Gemini models, on Vertex AI (OAuth tokens from an AccessTokenSource) or
/// through the Gemini API (an API key). Converts the conversation both ways (see vertexwire.h),
/// streams with `:streamGenerateContent?alt=sse`. A 401 drops the cached token so the next call
/// fetches a fresh one. Thread affinity, ownership and error contract: see Provider; the provider
/// takes ownership of `tokens` (VertexAi mode; null in GeminiApi mode). `nam` and `clock` must
/// outlive it.
class VertexProvider final : public Provider
{
    Q_OBJECT

public:
    VertexProvider(VertexConfig config, AccessTokenSource *tokens, QNetworkAccessManager *nam,
                   const core::Clock &clock, QObject *parent = nullptr);

    core::Async<Completion> complete(const CompletionRequest &request, CallOptions options = {}) override;
    core::ProviderInfo info() const override;

    /// The endpoint a request for `model` goes to.
    QUrl endpoint(const QString &model, bool stream) const;

private:
    struct Call;
    using CallPtr = std::shared_ptr<Call>;

    QString who() const;
    // The steps of complete(), in order.
    void authorize(const CallPtr &call);
    void requestToken(const CallPtr &call);
    void send(const CallPtr &call, const QString &bearer);
    void receive(const CallPtr &call, const core::Result<HttpResponse> &response);
    core::Result<Completion> completionOf(const Call &call, const HttpResponse &response) const;

    VertexConfig m_config;
    QPointer<AccessTokenSource> m_tokens;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

} // namespace agency::llm
