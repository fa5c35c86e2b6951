#include "vertexembedder.h"

#include "core/async/guarded.h"
#include "core/json.h"
#include "llm/httpcall.h"

#include <QJsonArray>

namespace agency::llm {

namespace {

QString taskType(EmbeddingPurpose purpose)
{
    return purpose == EmbeddingPurpose::Query ? QStringLiteral("RETRIEVAL_QUERY")
                                              : QStringLiteral("RETRIEVAL_DOCUMENT");
}

core::Error malformed(const QString &who, const QString &what)
{
    return core::makeError(core::ErrorCode::ProviderMalformed, who + QStringLiteral(": ") + what);
}

} // namespace

VertexEmbedder::VertexEmbedder(VertexConfig config, AccessTokenSource *tokens, QNetworkAccessManager *nam,
                               const core::Clock &clock, QObject *parent)
    : BatchingEmbedder(parent), m_config(std::move(config)), m_tokens(tokens), m_nam(nam), m_clock(clock)
{
    if (m_tokens)
        m_tokens->setParent(this);
}

QString VertexEmbedder::modelName() const
{
    return (geminiApi() ? QStringLiteral("gemini/") : QStringLiteral("vertex/")) + m_config.http.defaultModel;
}

QString VertexEmbedder::who() const
{
    return geminiApi() ? QStringLiteral("Gemini API") : QStringLiteral("Vertex AI");
}

EmbeddingLimits VertexEmbedder::limits() const
{
    // Inputs over 2,048 tokens are truncated by the service itself (autoTruncate).
    return geminiApi() ? EmbeddingLimits{100, 18'000, 0} : EmbeddingLimits{250, 18'000, 0};
}

QUrl VertexEmbedder::endpoint() const
{
    const QString &model = m_config.http.defaultModel;
    if (geminiApi())
        return QUrl(joinUrl(m_config.http.baseUrl, QStringLiteral("/v1beta/models/") + model +
                                                       QStringLiteral(":batchEmbedContents")));
    return QUrl(joinUrl(m_config.http.baseUrl,
                        QStringLiteral("/v1/projects/%1/locations/%2/publishers/google/models/%3:predict")
                            .arg(m_config.projectId, m_config.location, model)));
}

void VertexEmbedder::sendBatch(const QStringList &texts, EmbeddingPurpose purpose,
                               const core::CancelTokenPtr &cancel, BatchDone done)
{
    if (geminiApi())
        return post(texts, purpose, cancel, {}, done);
    if (!m_tokens)
        return done(
            core::makeError(core::ErrorCode::NotConfigured, who() + QStringLiteral(": no credentials")));
    auto withToken = [this, texts, purpose, cancel, done] {
        m_tokens->requestToken(cancel, core::guarded(this, [=, this](const core::Result<QString> &token) {
                                   if (!token)
                                       return done(token.error());
                                   post(texts, purpose, cancel, token.value(), done);
                               }));
    };
    if (!m_config.projectId.isEmpty())
        return withToken();
    m_tokens->requestProjectId(cancel,
                               core::guarded(this, [this, done, withToken](const core::Result<QString> &p) {
                                   if (!p)
                                       return done(p.error());
                                   m_config.projectId = p.value();
                                   withToken();
                               }));
}

void VertexEmbedder::post(const QStringList &texts, EmbeddingPurpose purpose,
                          const core::CancelTokenPtr &cancel, const QString &bearer, const BatchDone &done)
{
    QJsonArray items;
    if (geminiApi()) {
        const QString model = QStringLiteral("models/") + m_config.http.defaultModel;
        for (const QString &text : texts)
            items.append(QJsonObject{{QStringLiteral("model"), model},
                                     {QStringLiteral("content"),
                                      QJsonObject{{QStringLiteral("parts"),
                                                   QJsonArray{QJsonObject{{QStringLiteral("text"), text}}}}}},
                                     {QStringLiteral("taskType"), taskType(purpose)}});
    } else {
        for (const QString &text : texts)
            items.append(QJsonObject{{QStringLiteral("content"), text},
                                     {QStringLiteral("task_type"), taskType(purpose)}});
    }
    HttpRequest http;
    http.url = endpoint();
    http.allowedOrigin = QUrl(m_config.http.baseUrl);
    http.body = core::toCompactJson(
        QJsonObject{{geminiApi() ? QStringLiteral("requests") : QStringLiteral("instances"), items}});
    http.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    if (geminiApi())
        http.headers.append({"x-goog-api-key", m_config.http.apiKey.toUtf8()});
    else
        http.headers.append({"Authorization", "Bearer " + bearer.toUtf8()});

    HttpCall::Options options;
    options.who = who();
    options.timeouts = m_config.http.timeouts;
    options.retry = m_config.http.retry;
    options.cancel = cancel;
    options.clock = &m_clock;
    HttpCall::start(
        m_nam, std::move(http), std::move(options),
        [this, done, count = texts.size()](core::Result<HttpResponse> response) {
            if (!response) {
                if (response.error().code == core::ErrorCode::ProviderUnauthorized && m_tokens)
                    m_tokens->invalidate();
                return done(response.error());
            }
            done(parseVertexEmbeddings(response->body, count, geminiApi(), who()));
        },
        this);
}

core::Result<Embeddings> parseVertexEmbeddings(const QByteArray &body, qsizetype count, bool geminiApi,
                                               const QString &who)
{
    const auto parsed = core::parseJsonObject(body);
    if (!parsed)
        return malformed(who, QStringLiteral("the answer is not a JSON object: ") + parsed.error().message);
    const QString listName = geminiApi ? QStringLiteral("embeddings") : QStringLiteral("predictions");
    const QJsonValue list = parsed->value(listName);
    if (!list.isArray())
        return malformed(who, QStringLiteral("the answer has no \"%1\" array").arg(listName));
    if (list.toArray().size() != count)
        return malformed(who,
                         QStringLiteral("%1 embeddings for %2 texts").arg(list.toArray().size()).arg(count));
    Embeddings out;
    for (const QJsonValue &item : list.toArray()) {
        const QJsonObject embedding =
            geminiApi ? item.toObject() : item.toObject().value(QStringLiteral("embeddings")).toObject();
        const QJsonValue values = embedding.value(QStringLiteral("values"));
        if (!values.isArray())
            return malformed(who, QStringLiteral("an embedding without \"values\""));
        QVector<float> v;
        v.reserve(values.toArray().size());
        for (const QJsonValue &x : values.toArray()) {
            if (!x.isDouble())
                return malformed(who, QStringLiteral("an embedding with a value that is not a number"));
            v.append(static_cast<float>(x.toDouble()));
        }
        out.vectors.append(std::move(v));
        out.promptTokens += static_cast<qint64>(embedding.value(QStringLiteral("statistics"))
                                                    .toObject()
                                                    .value(QStringLiteral("token_count"))
                                                    .toDouble());
    }
    return out;
}

} // namespace agency::llm
