#include "vertexprovider.h"

#include "core/json.h"
#include "core/async/resultpromise.h"
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

core::Async<Completion> VertexProvider::complete(const CompletionRequest &request, CallOptions options)
{
    Q_ASSERT(QThread::currentThread() == thread());
    core::ResultPromise<Completion> promise;
    const QString model = request.model.isEmpty() ? m_config.http.defaultModel : request.model;
    const bool stream = options.streaming();
    const QString name = info().name;

    HttpRequest http;
    http.allowedOrigin = QUrl(m_config.http.baseUrl);
    http.body = core::toCompactJson(buildGenerateContentRequest(request));
    http.stream = stream;
    http.headers = {{"Content-Type", "application/json"},
                    {"Accept", stream ? QByteArray("text/event-stream") : QByteArray("application/json")}};

    auto accumulator =
        std::make_shared<VertexResponseAccumulator>(who(), request.messages.size(), options.onDelta);
    HttpCall::Options callOptions;
    callOptions.who = who();
    callOptions.timeouts = m_config.http.timeouts;
    callOptions.retry = m_config.http.retry;
    callOptions.cancel = options.cancel;
    callOptions.clock = &m_clock;
    callOptions.hooks.onAttemptStart = [accumulator] { accumulator->reset(); };
    if (stream) {
        callOptions.hooks.onData = [accumulator](const QByteArray &bytes) {
            return accumulator->feed(bytes);
        };
        callOptions.hooks.onEnd = [accumulator] { return accumulator->end(); };
        callOptions.hooks.deliveredToCaller = [accumulator] { return accumulator->delivered(); };
    }

    QPointer<AccessTokenSource> tokens = m_tokens;
    auto done = [promise, accumulator, request, model, stream, name, who = who(),
                 tokens](core::Result<HttpResponse> response) {
        if (!response) {
            if (response.error().code == core::ErrorCode::ProviderUnauthorized && tokens)
                tokens->invalidate();
            promise.finish(response.error());
            return;
        }
        if (!stream) {
            const auto parsed = core::parseJsonObject(response->body);
            if (!parsed) {
                promise.finish(core::makeError(core::ErrorCode::ProviderMalformed,
                                               who + QStringLiteral(": the answer is not a JSON object: ") +
                                                   parsed.error().message));
                return;
            }
            if (const core::Status added = accumulator->add(parsed.value()); !added) {
                promise.finish(added.error());
                return;
            }
        }
        auto completion = accumulator->completion();
        if (!completion) {
            promise.finish(completion.error());
            return;
        }
        Completion c = std::move(completion).value();
        c.provider = name;
        if (c.model.isEmpty())
            c.model = model;
        promise.finish(finaliseCompletion(std::move(c), request, who));
    };

    auto send = [self = QPointer<VertexProvider>(this), http = std::move(http), model, stream,
                 callOptions = std::move(callOptions),
                 done = std::move(done)](const QString &bearer) mutable {
        if (!self)
            return; // the provider is gone: the promise finishes as Cancelled
        // Built now: the project id may have been learnt since the call started.
        http.url = self->endpoint(model, stream);
        if (self->m_config.mode == VertexConfig::Mode::GeminiApi)
            http.headers.append({"x-goog-api-key", self->m_config.http.apiKey.toUtf8()});
        else
            http.headers.append({"Authorization", "Bearer " + bearer.toUtf8()});
        HttpCall::start(self->m_nam, std::move(http), std::move(callOptions), std::move(done), self);
    };

    if (m_config.mode == VertexConfig::Mode::GeminiApi) {
        send({});
    } else if (!m_tokens) {
        promise.finish(
            core::makeError(core::ErrorCode::NotConfigured, who() + QStringLiteral(": no credentials")));
    } else {
        auto sendShared = std::make_shared<decltype(send)>(std::move(send));
        auto withToken = [promise, sendShared, tokens, cancel = options.cancel] {
            if (!tokens)
                return;
            tokens->requestToken(cancel, [promise, sendShared](core::Result<QString> token) {
                if (!token) {
                    promise.finish(token.error());
                    return;
                }
                (*sendShared)(token.value());
            });
        };
        if (!m_config.projectId.isEmpty()) {
            withToken();
        } else {
            m_tokens->requestProjectId(options.cancel, [self = QPointer<VertexProvider>(this), promise,
                                                        withToken](core::Result<QString> project) {
                if (!project) {
                    promise.finish(project.error());
                    return;
                }
                if (self)
                    self->m_config.projectId = project.value();
                withToken();
            });
        }
    }
    return promise.future();
}

} // namespace agency::llm
