#include "embedderfactory.h"

#include "llm/demoembedder.h"
#include "llm/openaiembedder.h"
#include "llm/providerfactory.h"
#include "llm/vertexembedder.h"

namespace agency::llm {

namespace {

const QString kDemo = QStringLiteral("demo");
const QString kOpenAi = QStringLiteral("openai");
const QString kMistral = QStringLiteral("mistral");
const QString kVertex = QStringLiteral("vertex");
const QString kGemini = QStringLiteral("gemini");

} // namespace

EmbedderFactory::EmbedderFactory(ProviderConfig config, QNetworkAccessManager *nam, const core::Clock &clock)
    : m_config(std::move(config)), m_nam(nam), m_clock(clock)
{
    m_config.retry.maxAttempts = m_config.embedding.maxAttempts;
    m_config.retry.maxTotalMs = m_config.embedding.retryMaxTotalMs;
}

QStringList EmbedderFactory::names()
{
    return {kDemo, kOpenAi, kMistral, kVertex, kGemini};
}

QString EmbedderFactory::defaultModel(const QString &provider)
{
    if (provider == kOpenAi)
        return QStringLiteral("text-embedding-3-small");
    if (provider == kMistral)
        return QStringLiteral("mistral-embed");
    if (provider == kVertex)
        return QStringLiteral("text-embedding-005");
    if (provider == kGemini)
        return QStringLiteral("text-embedding-004");
    return QStringLiteral("demo-embedding");
}

QString EmbedderFactory::resolveProvider(const QString &provider) const
{
    const QString name = provider.trimmed().toLower();
    return name.isEmpty() ? m_config.embedding.provider.trimmed().toLower() : name;
}

QString EmbedderFactory::resolveModel(const QString &provider, const QString &model) const
{
    if (!model.trimmed().isEmpty())
        return model.trimmed();
    if (!m_config.embedding.model.isEmpty() && provider == resolveProvider({}))
        return m_config.embedding.model;
    return defaultModel(provider);
}

QString EmbedderFactory::resolveModelName(const QString &provider, const QString &model) const
{
    QString name = resolveProvider(provider);
    // Vertex without its own credentials is the Gemini API, whose models are named apart.
    if (name == kVertex && m_config.vertex.accessToken.isEmpty() &&
        m_config.vertex.credentialsFile.isEmpty() && m_config.vertex.metadataHost.isEmpty() &&
        !m_config.gemini.apiKey.isEmpty()) {
        const QString resolved = resolveModel(name, model);
        return kGemini + u'/' + (resolved == defaultModel(kVertex) ? defaultModel(kGemini) : resolved);
    }
    return name + u'/' + resolveModel(name, model);
}

core::Result<std::shared_ptr<Embedder>> EmbedderFactory::create(const QString &rawProvider,
                                                                const QString &rawModel) const
{
    const QString name = resolveProvider(rawProvider);
    if (!names().contains(name))
        return core::makeError(core::ErrorCode::NotFound,
                               QStringLiteral("unknown embedding provider \"%1\"; choose one of %2")
                                   .arg(name, names().join(QStringLiteral(", "))),
                               {{QStringLiteral("provider"), name}});
    const ProviderFactory chat(m_config, m_nam, m_clock);
    const core::ProviderInfo info = chat.describe(name);
    if (!info.configured)
        return core::makeError(
            core::ErrorCode::NotConfigured,
            QStringLiteral("%1 is not set (needed for %2 embeddings)").arg(info.missingSetting, name),
            {{QStringLiteral("setting"), info.missingSetting}});
    const QString model = resolveModel(name, rawModel);
    if (name == kDemo) {
        if (model != defaultModel(kDemo))
            return core::makeError(
                core::ErrorCode::NotFound,
                QStringLiteral("the demo embedding has one model, demo-embedding, not \"%1\"").arg(model),
                {{QStringLiteral("model"), model}});
        return std::shared_ptr<Embedder>(std::make_shared<DemoEmbedder>());
    }
    if (name == kOpenAi || name == kMistral) {
        const bool openAi = name == kOpenAi;
        const ProviderEndpoint &endpoint = openAi ? m_config.openAi : m_config.mistral;
        HttpProviderConfig http;
        http.baseUrl = endpoint.baseUrl;
        http.apiKey = endpoint.apiKey;
        http.defaultModel = model;
        http.timeouts = m_config.timeouts;
        http.retry = m_config.retry;
        return std::shared_ptr<Embedder>(std::make_shared<OpenAiEmbedder>(
            openAi ? OpenAiEmbeddingDialect::openAi(model) : OpenAiEmbeddingDialect::mistral(model), http,
            m_nam, m_clock));
    }
    // The Gemini API has no text-embedding-005: the fallback uses its own default then.
    const QString geminiModel = model == defaultModel(kVertex) ? defaultModel(kGemini) : model;
    auto setup = chat.vertexSetup(name == kGemini, model);
    if (!setup)
        return setup.error();
    if (setup.value()->config.mode == VertexConfig::Mode::GeminiApi)
        setup.value()->config.http.defaultModel = geminiModel;
    return std::shared_ptr<Embedder>(std::make_shared<VertexEmbedder>(
        setup.value()->config, setup.value()->tokens.release(), m_nam, m_clock));
}

} // namespace agency::llm
