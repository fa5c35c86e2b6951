#include "openaiembedder.h"

#include "core/json.h"
#include "llm/httpcall.h"

#include <QJsonArray>

namespace agency::llm {

namespace {

core::Error malformed(const QString &who, const QString &what)
{
    return core::makeError(core::ErrorCode::ProviderMalformed, who + QStringLiteral(": ") + what);
}

} // namespace

OpenAiEmbeddingDialect OpenAiEmbeddingDialect::openAi(const QString &model)
{
    OpenAiEmbeddingDialect d;
    d.name = QStringLiteral("openai");
    d.displayName = QStringLiteral("OpenAI");
    d.limits = EmbeddingLimits{2048, 250'000, 8'000};
    if (model == QLatin1String("text-embedding-3-small") || model == QLatin1String("text-embedding-ada-002"))
        d.dimension = 1536;
    else if (model == QLatin1String("text-embedding-3-large"))
        d.dimension = 3072;
    return d;
}

OpenAiEmbeddingDialect OpenAiEmbeddingDialect::mistral(const QString &model)
{
    OpenAiEmbeddingDialect d;
    d.name = QStringLiteral("mistral");
    d.displayName = QStringLiteral("Mistral");
    d.limits = EmbeddingLimits{128, 15'000, 8'000};
    if (model == QLatin1String("mistral-embed"))
        d.dimension = 1024;
    return d;
}

OpenAiEmbedder::OpenAiEmbedder(OpenAiEmbeddingDialect dialect, HttpProviderConfig config,
                               QNetworkAccessManager *nam, const core::Clock &clock, QObject *parent)
    : BatchingEmbedder(parent), m_dialect(std::move(dialect)), m_config(std::move(config)), m_nam(nam),
      m_clock(clock)
{
}

void OpenAiEmbedder::sendBatch(const QStringList &texts, EmbeddingPurpose, const core::CancelTokenPtr &cancel,
                               BatchDone done)
{
    HttpRequest http;
    http.url = QUrl(joinUrl(m_config.baseUrl, QStringLiteral("/embeddings")));
    http.allowedOrigin = QUrl(m_config.baseUrl);
    http.body =
        core::toCompactJson(QJsonObject{{QStringLiteral("input"), QJsonArray::fromStringList(texts)},
                                        {QStringLiteral("model"), m_config.defaultModel},
                                        {QStringLiteral("encoding_format"), QStringLiteral("float")}});
    http.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    if (!m_config.apiKey.isEmpty())
        http.headers.append({"Authorization", "Bearer " + m_config.apiKey.toUtf8()});

    HttpCall::Options options;
    options.who = who();
    options.timeouts = m_config.timeouts;
    options.retry = m_config.retry;
    options.cancel = cancel;
    options.clock = &m_clock;
    HttpCall::start(
        m_nam, std::move(http), std::move(options),
        [done = std::move(done), count = texts.size(), who = who()](core::Result<HttpResponse> response) {
            if (!response)
                return done(response.error());
            done(parseOpenAiEmbeddings(response->body, count, who));
        },
        this);
}

core::Result<Embeddings> parseOpenAiEmbeddings(const QByteArray &body, qsizetype count, const QString &who)
{
    const auto parsed = core::parseJsonObject(body);
    if (!parsed)
        return malformed(who, QStringLiteral("the answer is not a JSON object: ") + parsed.error().message);
    const QJsonValue data = parsed->value(QStringLiteral("data"));
    if (!data.isArray())
        return malformed(who, QStringLiteral("the answer has no \"data\" array"));
    Embeddings out;
    out.vectors.resize(count);
    QList<bool> seen(count, false);
    for (const QJsonValue &item : data.toArray()) {
        const QJsonValue index = item.toObject().value(QStringLiteral("index"));
        const QJsonValue embedding = item.toObject().value(QStringLiteral("embedding"));
        const qsizetype i = index.isDouble() ? static_cast<qsizetype>(index.toDouble()) : -1;
        if (i < 0 || i >= count || index.toDouble() != static_cast<double>(i) || seen.at(i))
            return malformed(who,
                             QStringLiteral("an embedding with a missing, repeated or out-of-range index"));
        if (!embedding.isArray())
            return malformed(who, QStringLiteral("an embedding that is not an array of numbers (base64?)"));
        const QJsonArray values = embedding.toArray();
        QVector<float> &v = out.vectors[i];
        v.reserve(values.size());
        for (const QJsonValue &x : values) {
            if (!x.isDouble())
                return malformed(who, QStringLiteral("an embedding with a value that is not a number"));
            v.append(static_cast<float>(x.toDouble()));
        }
        seen[i] = true;
    }
    if (seen.contains(false))
        return malformed(who, QStringLiteral("%1 embeddings for %2 texts").arg(seen.count(true)).arg(count));
    out.promptTokens = static_cast<qint64>(
        parsed->value(QStringLiteral("usage")).toObject().value(QStringLiteral("prompt_tokens")).toDouble());
    return out;
}

} // namespace agency::llm
