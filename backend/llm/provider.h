#pragma once

#include "core/async/future.h"
#include "llm/completion.h"

#include <QObject>

namespace agency::llm {

/// One chat-model backend behind one wire protocol (OpenAI, Mistral, Vertex AI/Gemini, demo).
///
/// Thread affinity: a provider lives on the thread that owns its QNetworkAccessManager and must be
/// called from that thread; futures finish and CallOptions::onDelta runs on that thread.
/// complete() never blocks: the work runs on the event loop.
///
/// Error contract: the future always finishes, with a Completion or an Error whose code is one of
/// ProviderUnauthorized (401/403), ProviderBadRequest (other 4xx, with the provider's own message,
/// or a blocked prompt), ProviderRateLimited (details.retry_after_ms when known),
/// ProviderUnavailable (5xx, network failure, stream cut off), ProviderTimeout, ProviderMalformed
/// (an answer we cannot parse), NotConfigured or Cancelled. Retries (429/5xx/network/timeouts) have
/// already been made when an error comes back.
///
/// Ownership: providers are plain QObjects without a parent when made by ProviderFactory (held in a
/// shared_ptr). Destroying a provider aborts its calls; their futures finish with Cancelled.
class Provider : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~Provider() override = default;

    /// Sends `request` to the model. Streams when options.onDelta is set.
    virtual core::Async<Completion> complete(const CompletionRequest &request, CallOptions options = {}) = 0;

    /// Name, capabilities and configuration state of this provider.
    virtual core::ProviderInfo info() const = 0;
};

} // namespace agency::llm
