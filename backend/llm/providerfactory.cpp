#include "providerfactory.h"

#include "llm/demoprovider.h"
#include "llm/googleauth.h"
#include "llm/openaiprovider.h"
#include "llm/vertexprovider.h"

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

ProviderFactory::ProviderFactory(const config::Settings &settings, QNetworkAccessManager *nam,
                                 const core::Clock &clock)
    : m_settings(settings), m_nam(nam), m_clock(clock)
{
}

QStringList ProviderFactory::names()
{
    return {kDemo, kOpenAi, kMistral, kVertex, kGemini};
}

QString ProviderFactory::defaultProvider() const
{
    const QString name = m_settings.value(QStringLiteral("LLM_PROVIDER")).trimmed().toLower();
    return name.isEmpty() ? kDemo : name;
}

core::Result<HttpTimeouts> ProviderFactory::timeouts() const
{
    HttpTimeouts t;
    const std::pair<const char *, qint64 *> keys[] = {{"LLM_TIMEOUT_CONNECT_MS", &t.connectMs},
                                                      {"LLM_TIMEOUT_FIRST_BYTE_MS", &t.firstByteMs},
                                                      {"LLM_TIMEOUT_TOTAL_MS", &t.totalMs}};
    for (const auto &[key, target] : keys) {
        auto value = m_settings.intValue(QLatin1String(key));
        if (!value)
            return value.error();
        if (value.value() < 0 || value.value() > 24 * 3600 * 1000)
            return core::makeError(
                ErrorCode::InvalidArgument,
                QStringLiteral("%1 must be between 0 and 86400000").arg(QLatin1String(key)));
        *target = value.value();
    }
    return t;
}

core::Result<RetryPolicy> ProviderFactory::retryPolicy() const
{
    RetryPolicy policy;
    auto attempts = m_settings.intValue(QStringLiteral("LLM_MAX_ATTEMPTS"));
    if (!attempts)
        return attempts.error();
    auto total = m_settings.intValue(QStringLiteral("LLM_RETRY_MAX_TOTAL_MS"));
    if (!total)
        return total.error();
    if (attempts.value() < 1 || attempts.value() > 20)
        return core::makeError(ErrorCode::InvalidArgument,
                               QStringLiteral("LLM_MAX_ATTEMPTS must be between 1 and 20"));
    if (total.value() < 0)
        return core::makeError(ErrorCode::InvalidArgument,
                               QStringLiteral("LLM_RETRY_MAX_TOTAL_MS must not be negative"));
    policy.maxAttempts = static_cast<int>(attempts.value());
    policy.maxTotalMs = total.value();
    return policy;
}

QString ProviderFactory::resolveModel(const QString &name, const QString &model) const
{
    if (!model.isEmpty())
        return model;
    const QString llmModel = m_settings.value(QStringLiteral("LLM_MODEL"));
    if (!llmModel.isEmpty() && name == defaultProvider())
        return llmModel;
    if (name == kOpenAi)
        return m_settings.value(QStringLiteral("OPENAI_MODEL"));
    if (name == kMistral)
        return m_settings.value(QStringLiteral("MISTRAL_MODEL"));
    if (name == kVertex || name == kGemini)
        return m_settings.value(QStringLiteral("VERTEX_AI_MODEL"));
    return kDemo;
}

core::Error ProviderFactory::missing(const QString &name) const
{
    auto isSet = [this](const char *key) { return m_settings.isSet(QLatin1String(key)); };
    if (name == kOpenAi) {
        // A custom base URL is usually a local server (Ollama, llama.cpp, vLLM) that needs no key.
        const QString host = QUrl(m_settings.value(QStringLiteral("OPENAI_BASE_URL"))).host().toLower();
        if (!isSet("OPENAI_API_KEY") &&
            (host == QLatin1String("api.openai.com") || host.endsWith(QLatin1String(".openai.com"))))
            return notSet(QStringLiteral("OPENAI_API_KEY"));
    } else if (name == kMistral) {
        if (!isSet("MISTRAL_API_KEY"))
            return notSet(QStringLiteral("MISTRAL_API_KEY"));
    } else if (name == kGemini) {
        if (!isSet("GEMINI_API_KEY"))
            return notSet(QStringLiteral("GEMINI_API_KEY"));
    } else if (name == kVertex) {
        const bool credentials = isSet("VERTEX_AI_ACCESS_TOKEN") || isSet("GOOGLE_APPLICATION_CREDENTIALS") ||
                                 isSet("GCE_METADATA_HOST");
        if (!credentials && !isSet("GEMINI_API_KEY"))
            return notSet(
                QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS"),
                QStringLiteral(" (Vertex AI needs GOOGLE_APPLICATION_CREDENTIALS, VERTEX_AI_ACCESS_TOKEN or "
                               "GCE_METADATA_HOST, with VERTEX_AI_PROJECT_ID; or set GEMINI_API_KEY)"));
        // The project may also come from the service-account file (read when the provider is made)
        // or from the metadata server (asked on the first call).
        const bool projectFromKey =
            isSet("GOOGLE_APPLICATION_CREDENTIALS") && !isSet("VERTEX_AI_ACCESS_TOKEN");
        const bool projectFromMetadata = isSet("GCE_METADATA_HOST") && !isSet("VERTEX_AI_ACCESS_TOKEN") &&
                                         !isSet("GOOGLE_APPLICATION_CREDENTIALS");
        if (credentials && !isSet("VERTEX_AI_PROJECT_ID") && !projectFromKey && !projectFromMetadata)
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

core::Result<HttpProviderConfig> ProviderFactory::httpConfig(const QString &baseKey, const QString &baseUrl,
                                                             const QString &keyKey,
                                                             const QString &model) const
{
    HttpProviderConfig config;
    config.baseUrl = baseUrl.trimmed();
    const QUrl url(config.baseUrl);
    if (!url.isValid() || url.host().isEmpty() ||
        (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http")))
        return core::makeError(
            ErrorCode::InvalidArgument,
            QStringLiteral("%1 is not an http(s) URL: \"%2\"").arg(baseKey, config.baseUrl),
            {{QStringLiteral("setting"), baseKey}});
    config.apiKey = keyKey.isEmpty() ? QString() : m_settings.value(keyKey).trimmed();
    config.defaultModel = model;
    auto t = timeouts();
    if (!t)
        return t.error();
    config.timeouts = t.value();
    auto retry = retryPolicy();
    if (!retry)
        return retry.error();
    config.retry = retry.value();
    return config;
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
        const QString baseKey =
            openAi ? QStringLiteral("OPENAI_BASE_URL") : QStringLiteral("MISTRAL_BASE_URL");
        auto config = httpConfig(
            baseKey, m_settings.value(baseKey),
            openAi ? QStringLiteral("OPENAI_API_KEY") : QStringLiteral("MISTRAL_API_KEY"), resolvedModel);
        if (!config)
            return config.error();
        OpenAiDialect dialect =
            openAi ? OpenAiDialect::openAi(QUrl(config->baseUrl)) : OpenAiDialect::mistral();
        return std::shared_ptr<Provider>(
            std::make_shared<OpenAiProvider>(std::move(dialect), config.value(), m_nam, m_clock));
    }
    return createVertex(name == kGemini, resolvedModel);
}

core::Result<std::shared_ptr<Provider>> ProviderFactory::createVertex(bool forceGeminiApi,
                                                                      const QString &model) const
{
    auto isSet = [this](const char *key) { return m_settings.isSet(QLatin1String(key)); };
    const bool vertexCredentials = isSet("VERTEX_AI_ACCESS_TOKEN") ||
                                   isSet("GOOGLE_APPLICATION_CREDENTIALS") || isSet("GCE_METADATA_HOST");
    VertexConfig config;
    if (forceGeminiApi || !vertexCredentials) {
        auto http =
            httpConfig(QStringLiteral("GEMINI_BASE_URL"), m_settings.value(QStringLiteral("GEMINI_BASE_URL")),
                       QStringLiteral("GEMINI_API_KEY"), model);
        if (!http)
            return http.error();
        config.mode = VertexConfig::Mode::GeminiApi;
        config.http = http.value();
        return std::shared_ptr<Provider>(std::make_shared<VertexProvider>(config, nullptr, m_nam, m_clock));
    }

    std::optional<ServiceAccountKey> key;
    if (isSet("GOOGLE_APPLICATION_CREDENTIALS") && !isSet("VERTEX_AI_ACCESS_TOKEN")) {
        auto loaded =
            ServiceAccountKey::fromFile(m_settings.value(QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS")));
        if (!loaded)
            return core::makeError(
                loaded.error().code, loaded.error().message,
                {{QStringLiteral("setting"), QStringLiteral("GOOGLE_APPLICATION_CREDENTIALS")}});
        key = loaded.value();
    }
    config.projectId = m_settings.value(QStringLiteral("VERTEX_AI_PROJECT_ID"));
    if (config.projectId.isEmpty() && key)
        config.projectId = key->projectId;
    const bool metadataServer = !isSet("VERTEX_AI_ACCESS_TOKEN") && !key;
    // Without a project, the metadata server is asked for it on the first call (VertexProvider).
    if (config.projectId.isEmpty() && !metadataServer)
        return notSet(QStringLiteral("VERTEX_AI_PROJECT_ID"));
    config.location = m_settings.value(QStringLiteral("VERTEX_AI_LOCATION"));
    QString base = m_settings.value(QStringLiteral("VERTEX_AI_BASE_URL"));
    if (base.isEmpty())
        base = vertexDefaultBase(config.location);
    auto http = httpConfig(QStringLiteral("VERTEX_AI_BASE_URL"), base, {}, model);
    if (!http)
        return http.error();
    config.mode = VertexConfig::Mode::VertexAi;
    config.http = http.value();

    AccessTokenSource *tokens = nullptr;
    if (isSet("VERTEX_AI_ACCESS_TOKEN")) {
        tokens = new StaticTokenSource(m_settings.value(QStringLiteral("VERTEX_AI_ACCESS_TOKEN")).trimmed());
    } else if (key) {
        QString tokenUrl = m_settings.value(QStringLiteral("GOOGLE_TOKEN_URL"));
        if (m_settings.source(QStringLiteral("GOOGLE_TOKEN_URL")) == config::Source::Default &&
            key->tokenUri.startsWith(QLatin1String("https://")))
            tokenUrl = key->tokenUri;
        tokens = new ServiceAccountTokenSource(*key, tokenUrl, m_nam, m_clock, config.http.timeouts,
                                               config.http.retry);
    } else {
        tokens = new MetadataTokenSource(m_settings.value(QStringLiteral("GCE_METADATA_HOST")), m_nam,
                                         m_clock, config.http.timeouts, config.http.retry);
    }
    return std::shared_ptr<Provider>(std::make_shared<VertexProvider>(config, tokens, m_nam, m_clock));
}

} // namespace agency::llm
