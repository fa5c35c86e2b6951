#include "openaiprovider.h"

#include "core/async/resultpromise.h"
#include "core/json.h"

#include <QThread>

namespace agency::llm {

OpenAiProvider::OpenAiProvider(OpenAiDialect dialect, HttpProviderConfig config, QNetworkAccessManager *nam,
                               const core::Clock &clock, QObject *parent)
    : Provider(parent), m_dialect(std::move(dialect)), m_config(std::move(config)), m_nam(nam), m_clock(clock)
{
}

core::ProviderInfo OpenAiProvider::info() const
{
    core::ProviderInfo info;
    info.name = m_dialect.name;
    info.displayName = m_dialect.displayName;
    info.defaultModel = m_config.defaultModel;
    info.configured = true;
    return info;
}

core::Async<Completion> OpenAiProvider::complete(const CompletionRequest &request, CallOptions options)
{
    Q_ASSERT(QThread::currentThread() == thread());
    core::ResultPromise<Completion> promise;
    const QString model = request.model.isEmpty() ? m_config.defaultModel : request.model;
    const bool stream = options.streaming();

    HttpRequest http;
    http.url = QUrl(joinUrl(m_config.baseUrl, QStringLiteral("/chat/completions")));
    http.allowedOrigin = QUrl(m_config.baseUrl);
    http.body = buildChatRequest(request, m_dialect, model, stream);
    http.stream = stream;
    http.headers = {{"Content-Type", "application/json"},
                    {"Accept", stream ? QByteArray("text/event-stream") : QByteArray("application/json")}};
    if (!m_config.apiKey.isEmpty())
        http.headers.append({"Authorization", "Bearer " + m_config.apiKey.toUtf8()});

    auto accumulator = std::make_shared<OpenAiStreamAccumulator>(m_dialect.displayName, options.onDelta);
    HttpCall::Options callOptions;
    callOptions.who = m_dialect.displayName;
    callOptions.timeouts = m_config.timeouts;
    callOptions.retry = m_config.retry;
    callOptions.cancel = options.cancel;
    callOptions.clock = &m_clock;
    if (stream) {
        callOptions.hooks.onAttemptStart = [accumulator] { accumulator->reset(); };
        callOptions.hooks.onData = [accumulator](const QByteArray &bytes) {
            return accumulator->feed(bytes);
        };
        callOptions.hooks.onEnd = [accumulator] { return accumulator->end(); };
        callOptions.hooks.deliveredToCaller = [accumulator] { return accumulator->delivered(); };
    }

    auto done = [promise, accumulator, request, model, stream, who = m_dialect.displayName,
                 name = m_dialect.name](core::Result<HttpResponse> response) {
        if (!response) {
            promise.finish(response.error());
            return;
        }
        core::Result<Completion> parsed =
            stream ? core::Result<Completion>(accumulator->completion()) : parseChatResponse(response->body);
        if (!parsed) {
            core::Error error = parsed.error();
            error.message = who + QStringLiteral(": ") + error.message;
            promise.finish(std::move(error));
            return;
        }
        Completion completion = std::move(parsed).value();
        completion.provider = name;
        if (completion.model.isEmpty())
            completion.model = model;
        promise.finish(finaliseCompletion(std::move(completion), request, who));
    };
    HttpCall::start(m_nam, std::move(http), std::move(callOptions), std::move(done), this);
    return promise.future();
}

} // namespace agency::llm
