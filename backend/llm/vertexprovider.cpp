#include "vertexprovider.h"

#include "core/async/guarded.h"
#include "core/async/resultpromise.h"
#include "core/json.h"
#include "llm/vertexwire.h"

#include <QThread>

namespace agency::llm {

VertexProvider::VertexProvider(VertexConfig config, AccessTokenSource *tokens, QNetworkAccessManager *nam,
                               const core::Clock &clock, QObject *parent)
    : Provider(parent), m_config(std::move(config)), m_tokens(tokens), m_nam(nam), m_clock(clock)
{
    if (m_tokens)
        m_tokens->setParent(this);
}

QString VertexProvider::who() const
{
    return m_config.mode == VertexConfig::Mode::GeminiApi ? QStringLiteral("Gemini API")
                                                          : QStringLiteral("Vertex AI");
}

core::ProviderInfo VertexProvider::info() const
{
    core::ProviderInfo info;
    const bool gemini = m_config.mode == VertexConfig::Mode::GeminiApi;
    info.name = gemini ? QStringLiteral("gemini") : QStringLiteral("vertex");
    info.displayName =
        gemini ? QStringLiteral("Google Gemini API") : QStringLiteral("Google Vertex AI (Gemini)");
    info.defaultModel = m_config.http.defaultModel;
    info.configured = true;
    return info;
}

QUrl VertexProvider::endpoint(const QString &model, bool stream) const
{
    const QString method =
        stream ? QStringLiteral(":streamGenerateContent") : QStringLiteral(":generateContent");
    QString path;
    if (m_config.mode == VertexConfig::Mode::GeminiApi) {
        path = QStringLiteral("/v1beta/models/") + model + method;
    } else {
        path = QStringLiteral("/v1/projects/%1/locations/%2/publishers/google/models/%3")
                   .arg(m_config.projectId, m_config.location, model) +
               method;
    }
    QUrl url(joinUrl(m_config.http.baseUrl, path));
    if (stream)
        url.setQuery(QStringLiteral("alt=sse"));
    return url;
}

// complete() runs as a short sequence of steps, each a member below, sharing one Call:
//   authorize  (Vertex AI: learn the project id once, then fetch an access token)
//   → send     (build the HTTP request and start it; streamed answers feed the accumulator)
//   → receive  (a 401 drops the cached token; parse a whole answer; finish the completion).
// The token source and the HTTP call answer through callbacks; a step whose provider has gone
// never runs, and the promise then finishes Cancelled (see ResultPromise).

/// One complete() in flight: what its steps share.
struct VertexProvider::Call
{
    CompletionRequest request;
    QString model;
    bool stream = false;
    CallOptions options;
    std::shared_ptr<VertexResponseAccumulator> accumulator;
    core::ResultPromise<Completion> promise;
};

core::Async<Completion> VertexProvider::complete(const CompletionRequest &request, CallOptions options)
{
    Q_ASSERT(QThread::currentThread() == thread());
    auto call = std::make_shared<Call>();
    call->request = request;
    call->model = request.model.isEmpty() ? m_config.http.defaultModel : request.model;
    call->stream = options.streaming();
    call->accumulator =
        std::make_shared<VertexResponseAccumulator>(who(), request.messages.size(), options.onDelta);
    call->options = std::move(options);
    authorize(call);
    return call->promise.future();
}

void VertexProvider::authorize(const CallPtr &call)
{
    if (m_config.mode == VertexConfig::Mode::GeminiApi)
        return send(call, {});
    if (!m_tokens)
        return call->promise.finish(
            core::makeError(core::ErrorCode::NotConfigured, who() + QStringLiteral(": no credentials")));
    if (!m_config.projectId.isEmpty())
        return requestToken(call);
    m_tokens->requestProjectId(call->options.cancel,
                               core::guarded(this, [this, call](const core::Result<QString> &project) {
                                   if (!project)
                                       return call->promise.finish(project.error());
                                   m_config.projectId = project.value();
                                   requestToken(call);
                               }));
}

void VertexProvider::requestToken(const CallPtr &call)
{
    m_tokens->requestToken(call->options.cancel,
                           core::guarded(this, [this, call](const core::Result<QString> &token) {
                               if (!token)
                                   return call->promise.finish(token.error());
                               send(call, token.value());
                           }));
}

void VertexProvider::send(const CallPtr &call, const QString &bearer)
{
    HttpRequest http;
    http.allowedOrigin = QUrl(m_config.http.baseUrl);
    // Built now: the project id may have been learnt since the call started.
    http.url = endpoint(call->model, call->stream);
    http.body = core::toCompactJson(buildGenerateContentRequest(call->request));
    http.stream = call->stream;
    http.headers = {
        {"Content-Type", "application/json"},
        {"Accept", call->stream ? QByteArray("text/event-stream") : QByteArray("application/json")}};
    if (m_config.mode == VertexConfig::Mode::GeminiApi)
        http.headers.append({"x-goog-api-key", m_config.http.apiKey.toUtf8()});
    else
        http.headers.append({"Authorization", "Bearer " + bearer.toUtf8()});

    const auto accumulator = call->accumulator;
    HttpCall::Options options;
    options.who = who();
    options.timeouts = m_config.http.timeouts;
    options.retry = m_config.http.retry;
    options.cancel = call->options.cancel;
    options.clock = &m_clock;
    options.hooks.onAttemptStart = [accumulator] { accumulator->reset(); };
    if (call->stream) {
        options.hooks.onData = [accumulator](const QByteArray &bytes) { return accumulator->feed(bytes); };
        options.hooks.onEnd = [accumulator] { return accumulator->end(); };
        options.hooks.deliveredToCaller = [accumulator] { return accumulator->delivered(); };
    }
    // The call is this provider's child: `done` never runs after the provider is gone.
    HttpCall::start(
        m_nam, std::move(http), std::move(options),
        [this, call](core::Result<HttpResponse> response) { receive(call, response); }, this);
}

void VertexProvider::receive(const CallPtr &call, const core::Result<HttpResponse> &response)
{
    if (!response) {
        if (response.error().code == core::ErrorCode::ProviderUnauthorized && m_tokens)
            m_tokens->invalidate();
        return call->promise.finish(response.error());
    }
    call->promise.finish(completionOf(*call, response.value()));
}

core::Result<Completion> VertexProvider::completionOf(const Call &call, const HttpResponse &response) const
{
    if (!call.stream) { // a streamed answer went to the accumulator as it arrived
        const auto parsed = core::parseJsonObject(response.body);
        if (!parsed)
            return core::makeError(core::ErrorCode::ProviderMalformed,
                                   who() + QStringLiteral(": the answer is not a JSON object: ") +
                                       parsed.error().message);
        if (const core::Status added = call.accumulator->add(parsed.value()); !added)
            return added.error();
    }
    auto completion = call.accumulator->completion();
    if (!completion)
        return completion.error();
    Completion c = std::move(completion).value();
    c.provider = info().name;
    if (c.model.isEmpty())
        c.model = call.model;
    return finaliseCompletion(std::move(c), call.request, who());
}

} // namespace agency::llm
