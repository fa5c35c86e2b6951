#include "flowdefinition.h"

#include <QJsonArray>

namespace agency::core {

QJsonObject FlowDefinition::toJson() const
{
    QJsonObject json{{QStringLiteral("flow_type"), flowType},
                     {QStringLiteral("title"), title},
                     {QStringLiteral("description"), description},
                     {QStringLiteral("system_prompt"), systemPrompt},
                     {QStringLiteral("tools"), QJsonArray::fromStringList(tools)},
                     {QStringLiteral("max_tool_rounds"), maxToolRounds},
                     {QStringLiteral("history_window"), historyWindow}};
    if (!provider.isEmpty())
        json.insert(QStringLiteral("provider"), provider);
    if (!model.isEmpty())
        json.insert(QStringLiteral("model"), model);
    if (temperature)
        json.insert(QStringLiteral("temperature"), *temperature);
    if (maxTokens)
        json.insert(QStringLiteral("max_tokens"), *maxTokens);
    if (!route.isEmpty())
        json.insert(QStringLiteral("route"), route);
    if (smallMaxTokens > 0)
        json.insert(QStringLiteral("small_max_tokens"), smallMaxTokens);
    if (cacheResponses)
        json.insert(QStringLiteral("cache"), true);
    if (!answerCollection.isEmpty())
        json.insert(QStringLiteral("store_answer_as_document"), answerCollection);
    if (!mcpServers.isEmpty())
        json.insert(QStringLiteral("mcp_servers"), McpServerConfig::listToJson(mcpServers));
    return json;
}

} // namespace agency::core
