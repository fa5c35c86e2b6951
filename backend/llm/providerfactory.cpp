#include "providerfactory.h"

#include "llm/demoprovider.h"
#include "llm/googleauth.h"
#include "llm/openaiprovider.h"
#include "llm/vertexprovider.h"

#include <utility>

namespace agency::llm {

using core::ErrorCode;

namespace {

const QString kDemo = QStringLiteral("demo");
const QString kOpenAi = QStringLiteral("openai");
const QString kMistral = QStringLiteral("mistral");
const QString kVertex = QStringLiteral("vertex");
const QString kGemini = QStringLiteral("gemini");

core::Error notSet(const QString &key, const QString &hint = {})
{
    return core::makeError(ErrorCode::NotConfigured, key + QStringLiteral(" is not set") + hint,
                           {{QStringLiteral("setting"), key}});
}

QString vertexDefaultBase(const QString &location)
{
    if (location.isEmpty() || location == QLatin1String("global"))
        return QStringLiteral("https://aiplatform.googleapis.com");
    return QStringLiteral("https://%1-aiplatform.googleapis.com").arg(location);
}

} // namespace

ProviderFactory::ProviderFactory(ProviderConfig config, QNetworkAccessManager *nam, const core::Clock &clock)
    : m_config(std::move(config)), m_nam(nam), m_clock(clock)
{
}

QStringList ProviderFactory::names()
{
    return {kDemo, kOpenAi, kMistral, kVertex, kGemini};
}

QString ProviderFactory::resolveModel(const QString &name, const QString &model) const
{
    if (!model.isEmpty())
        return model;
    if (!m_config.defaultModel.isEmpty() && name == defaultProvider())
        return m_config.defaultModel;
    if (name == kOpenAi)
        return m_config.openAi.model;
    if (name == kMistral)
        return m_config.mistral.model;
    if (name == kVertex || name == kGemini)
        return m_config.vertex.model;
    return kDemo;
}

core::Error ProviderFactory::missing(const QString &name) const
{
    const VertexSettings &vertex = m_config.vertex;
    if (name == kOpenAi) {
        // A custom base URL is usually a local server (Ollama, llama.cpp, vLLM) that needs no key.
        const QString host = QUrl(m_config.openAi.baseUrl).host().toLower();
        if (m_config.openAi.apiKey.isEmpty() &&
            (host == QLatin1String("api.openai.com") || host.endsWith(QLatin1String(".openai.com"))))
            return notSet(QStringLiteral("OPENAI_API_KEY"));
    } else if (name == kMistral) {
        if (m_config.mistral.apiKey.isEmpty())
            return notSet(QStringLiteral("MISTRAL_API_KEY"));
    } else if (name == kGemini) {
        if (m_config.gemini.apiKey.isEmpty())
            return notSet(QStringLiteral("GEMINI_API_KEY"));
    } else if (name == kVertex) {
        const bool credentials = !vertex.accessToken.isEmpty() || !vertex.credentialsFile.isEmpty() ||
                                 !vertex.metadataHost.isEmpty();
        if (!credentials && m_config.gemini.apiKey.isEmpty())
            return notSet(
                QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
                QStringLiteral(" (Vertex AI needs GOOGLE_APPLICATION_CREDENTIALS, VERTEX_AI_ACCESS_TOKEN or "
                               "GCE_METADATA_HOST, with VERTEX_AI_PROJECT_ID; or set GEMINI_API_KEY)"));
        // The project may also come from the service-account file (read when the provider is made)
        // or from the metadata server (asked on the first call).
        const bool projectFromKey = !vertex.credentialsFile.isEmpty() && vertex.accessToken.isEmpty();
        const bool projectFromMetadata = !vertex.metadataHost.isEmpty() && vertex.accessToken.isEmpty() &&
                                         vertex.credentialsFile.isEmpty();
        if (credentials && vertex.projectId.isEmpty() && !projectFromKey && !projectFromMetadata)
            return notSet(QStringLiteral("VERTEX_AI_PROJECT_ID"));
    } else if (name != kDemo) {
        // Like an unknown flow: the name does not exist (NotFound), whoever typed it.
        return core::makeError(ErrorCode::NotFound,
                               QStringLiteral("unknown provider \"%1\"; choose one of %2")
                                   .arg(name, names().join(QStringLiteral(", "))),
                               {{QStringLiteral("provider"), name}});
    }
    return core::makeError(ErrorCode::NotConfigured, {});
}

core::ProviderInfo ProviderFactory::describe(const QString &rawName) const
{
    const QString name = rawName.trimmed().toLower();
    core::ProviderInfo info;
    info.name = name;
    info.defaultModel = resolveModel(name, {});
    static const QHash<QString, QString> displayNames = {
        {kDemo, QStringLiteral("Demo (offline)")},
        {kOpenAi, QStringLiteral("OpenAI")},
        {kMistral, QStringLiteral("Mistral")},
        {kVertex, QStringLiteral("Google Vertex AI (Gemini)")},
        {kGemini, QStringLiteral("Google Gemini API")}};
    info.displayName = displayNames.value(name, name);
    info.offline = name == kDemo;
    const core::Error problem = missing(name);
    info.configured = problem.message.isEmpty();
    info.missingSetting = problem.details.value(QStringLiteral("setting")).toString();
    return info;
}

QList<core::ProviderInfo> ProviderFactory::providers() const
{
    QList<core::ProviderInfo> list;
    for (const QString &name : names())
        list.append(describe(name));
    return list;
}

HttpProviderConfig ProviderFactory::httpConfig(const QString &baseUrl, const QString &apiKey,
                                               const QString &model) const
{
    HttpProviderConfig config;
    config.baseUrl = baseUrl;
    config.apiKey = apiKey;
    config.defaultModel = model;
    config.timeouts = m_config.timeouts;
    config.retry = m_config.retry;
    return config;
}

ProviderFactory ProviderFactory::withEndpoint(const QString &name, const ProviderEndpoint &endpoint) const
{
    ProviderConfig config = m_config;
    auto apply = [](QString &target, const QString &value) {
        if (!value.isEmpty())
            target = value;
    };
    const QString lower = name.trimmed().toLower();
    ProviderEndpoint *target = lower == QStringLiteral("openai")    ? &config.openAi
                               : lower == QStringLiteral("mistral") ? &config.mistral
                                                                    : &config.gemini;
    apply(target->baseUrl, endpoint.baseUrl);
    apply(target->apiKey, endpoint.apiKey);
    apply(lower == QStringLiteral("vertex") || lower == QStringLiteral("gemini") ? config.vertex.model
                                                                                 : target->model,
          endpoint.model);
    return ProviderFactory(config, m_nam, m_clock);
}

ProviderFactory ProviderFactory::withVertexLocation(const VertexSettings &vertex) const
{
    ProviderConfig config = m_config;
    for (auto [target, value] : {std::pair{&config.vertex.projectId, vertex.projectId},
                                 std::pair{&config.vertex.location, vertex.location},
                                 std::pair{&config.vertex.baseUrl, vertex.baseUrl}}) {
        if (!value.isEmpty())
            *target = value;
    }
    return ProviderFactory(config, m_nam, m_clock);
}

core::Result<std::shared_ptr<Provider>> ProviderFactory::create(const QString &rawName,
                                                                const QString &model) const
{
    const QString name = rawName.trimmed().isEmpty() ? defaultProvider() : rawName.trimmed().toLower();
    if (const core::Error problem = missing(name); !problem.message.isEmpty())
        return problem;
    const QString resolvedModel = resolveModel(name, model);
    if (name == kDemo)
        return std::shared_ptr<Provider>(std::make_shared<DemoProvider>(resolvedModel));
    if (name == kOpenAi || name == kMistral) {
        const bool openAi = name == kOpenAi;
        const ProviderEndpoint &endpoint = openAi ? m_config.openAi : m_config.mistral;
        const HttpProviderConfig config = httpConfig(endpoint.baseUrl, endpoint.apiKey, resolvedModel);
        OpenAiDialect dialect =
            openAi ? OpenAiDialect::openAi(QUrl(config.baseUrl)) : OpenAiDialect::mistral();
        return std::shared_ptr<Provider>(
            std::make_shared<OpenAiProvider>(std::move(dialect), config, m_nam, m_clock));
    }
    return createVertex(name == kGemini, resolvedModel);
}

core::Result<std::shared_ptr<Provider>> ProviderFactory::createVertex(bool forceGeminiApi,
                                                                      const QString &model) const
{
    auto setup = vertexSetup(forceGeminiApi, model);
    if (!setup)
        return setup.error();
    return std::shared_ptr<Provider>(std::make_shared<VertexProvider>(
        setup.value()->config, setup.value()->tokens.release(), m_nam, m_clock));
}

core::Result<std::shared_ptr<ProviderFactory::VertexSetup>>
ProviderFactory::vertexSetup(bool forceGeminiApi, const QString &model) const
{
    const VertexSettings &vertex = m_config.vertex;
    const bool vertexCredentials =
        !vertex.accessToken.isEmpty() || !vertex.credentialsFile.isEmpty() || !vertex.metadataHost.isEmpty();
    auto setup = std::make_shared<VertexSetup>();
    VertexConfig &config = setup->config;
    if (forceGeminiApi || !vertexCredentials) {
        config.mode = VertexConfig::Mode::GeminiApi;
        config.http = httpConfig(m_config.gemini.baseUrl, m_config.gemini.apiKey, model);
        return setup;
    }

    std::optional<ServiceAccountKey> key;
    if (!vertex.credentialsFile.isEmpty() && vertex.accessToken.isEmpty()) {
        auto loaded = ServiceAccountKey::fromFile(vertex.credentialsFile);
        if (!loaded)
            return core::makeError(
                loaded.error().code, loaded.error().message,
                {{QStringLiteral("setting"), QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS")}});
        key = loaded.value();
    }
    config.projectId = vertex.projectId;
    if (config.projectId.isEmpty() && key)
        config.projectId = key->projectId;
    const bool metadataServer = vertex.accessToken.isEmpty() && !key;
    // Without a project, the metadata server is asked for it on the first call (VertexProvider).
    if (config.projectId.isEmpty() && !metadataServer)
        return notSet(QStringLiteral("VERTEX_AI_PROJECT_ID"));
    config.location = vertex.location;
    const QString base = vertex.baseUrl.isEmpty() ? vertexDefaultBase(config.location) : vertex.baseUrl;
    config.mode = VertexConfig::Mode::VertexAi;
    config.http = httpConfig(base, {}, model);

    if (!vertex.accessToken.isEmpty()) {
        setup->tokens = std::make_unique<StaticTokenSource>(vertex.accessToken);
    } else if (key) {
        QString tokenUrl = vertex.tokenUrl;
        if (!vertex.tokenUrlExplicit && key->tokenUri.startsWith(QLatin1String("https://")))
            tokenUrl = key->tokenUri;
        setup->tokens = std::make_unique<ServiceAccountTokenSource>(*key, tokenUrl, m_nam, m_clock,
                                                                    config.http.timeouts, config.http.retry);
    } else {
        setup->tokens = std::make_unique<MetadataTokenSource>(vertex.metadataHost, m_nam, m_clock,
                                                              config.http.timeouts, config.http.retry);
    }
    return setup;
}

} // namespace agency::llm
