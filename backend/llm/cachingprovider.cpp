#include "cachingprovider.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

namespace agency::llm {

namespace {

Q_LOGGING_CATEGORY(lcCache, "agency.llm.cache")

QString toolChoiceName(const ToolChoice &choice)
{
    switch (choice.mode) {
    case ToolChoice::Mode::Auto:
        return QStringLiteral("auto");
    case ToolChoice::Mode::None:
        return QStringLiteral("none");
    case ToolChoice::Mode::Required:
        return QStringLiteral("required");
    case ToolChoice::Mode::Function:
        return QStringLiteral("function:") + choice.functionName;
    }
    return {};
}

QJsonObject responseFormatJson(const core::ResponseFormat &format)
{
    return {{QStringLiteral("kind"), static_cast<int>(format.kind)},
            {QStringLiteral("name"), format.name},
            {QStringLiteral("schema"), format.schema},
            {QStringLiteral("strict"), format.strict}};
}

} // namespace

CachingProvider::CachingProvider(std::shared_ptr<Provider> inner, ResponseCacheStore store, QObject *parent)
    : Provider(parent), m_inner(std::move(inner)), m_store(std::move(store))
{
}

core::ProviderInfo CachingProvider::info() const
{
    return m_inner->info();
}

QString CachingProvider::requestKey(const CompletionRequest &request, const QString &provider,
                                    const QString &model)
{
    QJsonArray messages;
    for (const core::ChatMessage &m : request.messages) {
        messages.append(QJsonObject{{QStringLiteral("role"), core::roleName(m.role)},
                                    {QStringLiteral("content"), m.content},
                                    {QStringLiteral("tool_calls"), core::toolCallsToJson(m.toolCalls)},
                                    {QStringLiteral("tool_call_id"), m.toolCallId},
                                    {QStringLiteral("name"), m.name}});
    }
    QJsonArray tools;
    for (const core::ToolDefinition &t : request.tools) {
        tools.append(QJsonObject{{QStringLiteral("name"), t.name},
                                 {QStringLiteral("description"), t.description},
                                 {QStringLiteral("parameters"), t.parameters}});
    }
    // QJsonObject keeps its keys sorted: the compact form is canonical.
    const QJsonObject canonical{
        {QStringLiteral("provider"), provider},
        {QStringLiteral("model"), model},
        {QStringLiteral("messages"), messages},
        {QStringLiteral("tools"), tools},
        {QStringLiteral("tool_choice"), toolChoiceName(request.toolChoice)},
        {QStringLiteral("temperature"),
         request.temperature ? QJsonValue(*request.temperature) : QJsonValue()},
        {QStringLiteral("max_tokens"), request.maxTokens ? QJsonValue(*request.maxTokens) : QJsonValue()},
        {QStringLiteral("response_format"), responseFormatJson(request.responseFormat)}};
    const QByteArray bytes = QJsonDocument(canonical).toJson(QJsonDocument::Compact);
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

QJsonObject CachingProvider::completionToJson(const Completion &completion)
{
    return {{QStringLiteral("content"), completion.content},
            {QStringLiteral("tool_calls"), core::toolCallsToJson(completion.toolCalls)},
            {QStringLiteral("finish_reason"), completion.finishReason},
            {QStringLiteral("provider"), completion.provider},
            {QStringLiteral("model"), completion.model}};
}

std::optional<Completion> CachingProvider::completionFromJson(const QJsonObject &json)
{
    Completion c;
    c.content = json.value(QStringLiteral("content")).toString();
    c.toolCalls = core::toolCallsFromJson(json.value(QStringLiteral("tool_calls")).toArray());
    c.finishReason = json.value(QStringLiteral("finish_reason")).toString();
    c.provider = json.value(QStringLiteral("provider")).toString();
    c.model = json.value(QStringLiteral("model")).toString();
    if (c.provider.isEmpty() || (c.content.isEmpty() && c.toolCalls.isEmpty()))
        return std::nullopt;
    c.cached = true;
    return c;
}

core::Async<Completion> CachingProvider::complete(const CompletionRequest &request, CallOptions options)
{
    if (!options.cache.enabled() || !m_store.find)
        return m_inner->complete(request, options);
    const core::ProviderInfo provider = m_inner->info();
    const QString key =
        requestKey(request, provider.name, request.model.isEmpty() ? provider.defaultModel : request.model);
    return m_store.find(options.cache, key)
        .then(this,
              [this, request, options, key](const core::Result<std::optional<QJsonObject>> &found) {
                  if (options.cancel && options.cancel->isCancelled())
                      return core::failedAsync<Completion>(
                          core::makeError(core::ErrorCode::Cancelled, QStringLiteral("call cancelled")));
                  if (!found)
                      qCWarning(lcCache)
                          << "response cache not readable, calling the provider:" << found.error().message;
                  const std::optional<Completion> hit =
                      found && found->has_value() ? completionFromJson(**found) : std::nullopt;
                  if (!hit)
                      return callAndStore(request, options, key);
                  if (options.onDelta) {
                      if (!hit->content.isEmpty())
                          options.onDelta(Delta{hit->content, -1, {}, {}, {}});
                      for (int i = 0; i < hit->toolCalls.size(); ++i) {
                          const core::ToolCall &call = hit->toolCalls.at(i);
                          options.onDelta(Delta{{}, i, call.id, call.name, call.arguments});
                      }
                  }
                  return core::readyAsync<Completion>(*hit);
              })
        .unwrap();
}

core::Async<Completion> CachingProvider::callAndStore(const CompletionRequest &request,
                                                      const CallOptions &options, const QString &key)
{
    const CacheScope scope = options.cache;
    return m_inner->complete(request, options)
        .then(this, [this, scope, key](const core::Result<Completion> &result) {
            // Only a whole answer is worth repeating: not an error, not one cut short by max_tokens.
            if (result && result->finishReason != finish::Length && m_store.store) {
                QFuture<core::Result<void>>(m_store.store(scope, key, result.value()))
                    .then([](const core::Result<void> &stored) {
                        if (!stored)
                            qCWarning(lcCache) << "answer not cached:" << stored.error().message;
                    });
            }
            return result;
        });
}

} // namespace agency::llm
