#include "flowparser.h"

#include "core/route.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace agency::flows {

using core::ErrorCode;

namespace {

core::Error invalid(const QString &source, const QString &field, const QString &message)
{
    return core::makeError(ErrorCode::InvalidArgument,
                           QStringLiteral("%1: %2 %3").arg(source, field, message),
                           {{QStringLiteral("field"), field},
                            {QStringLiteral("source"), source},
                            {QStringLiteral("reason"), QStringLiteral("%1 %2").arg(field, message)}});
}

const QStringList kKnownKeys = {QStringLiteral("flow_type"),
                                QStringLiteral("title"),
                                QStringLiteral("description"),
                                QStringLiteral("system_prompt"),
                                QStringLiteral("tools"),
                                QStringLiteral("provider"),
                                QStringLiteral("model"),
                                QStringLiteral("temperature"),
                                QStringLiteral("max_tokens"),
                                QStringLiteral("max_tool_rounds"),
                                QStringLiteral("history_window"),
                                QStringLiteral("route"),
                                QStringLiteral("small_max_tokens"),
                                QStringLiteral("cache"),
                                QStringLiteral("store_answer_as_document"),
                                QStringLiteral("mcp_servers")};

} // namespace

core::Result<core::FlowDefinition> parseFlowDefinition(const QJsonObject &json, const QString &source)
{
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!kKnownKeys.contains(it.key()))
            return invalid(source, it.key(), QStringLiteral("is not a flow field"));
    }
    core::FlowDefinition flow;
    flow.source = source;
    static const QRegularExpression flowTypePattern(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,63}$"));
    flow.flowType = json.value(QStringLiteral("flow_type")).toString();
    if (!flowTypePattern.match(flow.flowType).hasMatch())
        return invalid(source, QStringLiteral("flow_type"),
                       QStringLiteral("must be 1-64 of a-z, 0-9, '_', '-'"));
    auto text = [&json](const char *key) { return json.value(QLatin1String(key)).toString().trimmed(); };
    flow.title = text("title");
    flow.description = text("description");
    flow.systemPrompt = text("system_prompt");
    flow.provider = text("provider");
    flow.model = text("model");
    if (flow.title.isEmpty())
        flow.title = flow.flowType;
    if (flow.systemPrompt.isEmpty())
        return invalid(source, QStringLiteral("system_prompt"), QStringLiteral("must not be empty"));
    const QJsonValue tools = json.value(QStringLiteral("tools"));
    if (!tools.isUndefined() && !tools.isArray())
        return invalid(source, QStringLiteral("tools"), QStringLiteral("must be an array of tool names"));
    for (const QJsonValue &tool : tools.toArray()) {
        if (!tool.isString() || tool.toString().isEmpty())
            return invalid(source, QStringLiteral("tools"), QStringLiteral("must be an array of tool names"));
        flow.tools.append(tool.toString());
    }
    if (json.contains(QStringLiteral("temperature"))) {
        const QJsonValue t = json.value(QStringLiteral("temperature"));
        if (!t.isDouble() || t.toDouble() < 0 || t.toDouble() > 2)
            return invalid(source, QStringLiteral("temperature"),
                           QStringLiteral("must be a number from 0 to 2"));
        flow.temperature = t.toDouble();
    }
    auto integer = [&](const char *key, int min, int max, int fallback) -> core::Result<int> {
        const QJsonValue v = json.value(QLatin1String(key));
        if (v.isUndefined())
            return fallback;
        if (!v.isDouble() || v.toDouble() != static_cast<double>(v.toInt()) || v.toInt() < min ||
            v.toInt() > max)
            return invalid(source, QLatin1String(key),
                           QStringLiteral("must be a whole number from %1 to %2").arg(min).arg(max));
        return v.toInt();
    };
    auto rounds = integer("max_tool_rounds", 0, 16, 4);
    if (!rounds)
        return rounds.error();
    flow.maxToolRounds = rounds.value();
    auto window = integer("history_window", 1, 1000, 50);
    if (!window)
        return window.error();
    flow.historyWindow = window.value();
    auto small = integer("small_max_tokens", 0, 1'000'000, 0);
    if (!small)
        return small.error();
    flow.smallMaxTokens = small.value();
    if (json.contains(QStringLiteral("route"))) {
        const QJsonValue route = json.value(QStringLiteral("route"));
        auto parsed = core::Route::parse(route.toString());
        if (!route.isString() || !parsed)
            return invalid(
                source, QStringLiteral("route"),
                QStringLiteral(
                    "must be a route such as \"openai:gpt-4o-mini,mistral:mistral-small-latest\"") +
                    (parsed ? QString() : QStringLiteral(" (") + parsed.error().message + u')'));
        flow.route = parsed->toString();
    }
    if (json.contains(QStringLiteral("max_tokens"))) {
        auto maxTokens = integer("max_tokens", 1, 1'000'000, 0);
        if (!maxTokens)
            return maxTokens.error();
        flow.maxTokens = maxTokens.value();
    }
    if (json.contains(QStringLiteral("cache"))) {
        if (!json.value(QStringLiteral("cache")).isBool())
            return invalid(source, QStringLiteral("cache"), QStringLiteral("must be true or false"));
        flow.cacheResponses = json.value(QStringLiteral("cache")).toBool();
    }
    if (json.contains(QStringLiteral("store_answer_as_document"))) {
        // The documents' own collection rule, checked here so a bad flow file fails at load.
        static const QRegularExpression collection(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
        const QJsonValue value = json.value(QStringLiteral("store_answer_as_document"));
        if (!value.isString() || !collection.match(value.toString()).hasMatch())
            return invalid(
                source, QStringLiteral("store_answer_as_document"),
                QStringLiteral("must be a collection name: 1-64 letters, digits, '_', '.' or '-'"));
        flow.answerCollection = value.toString();
    }
    auto servers = core::McpServerConfig::listFromJson(json.value(QStringLiteral("mcp_servers")));
    if (!servers) {
        const QString field = servers.error().details.value(QStringLiteral("field")).toString();
        // "mcp_servers[0].url: must be …": the field's own name is already in the message.
        return invalid(source, field, servers.error().message.mid(field.size() + 2));
    }
    flow.mcpServers = servers.value();
    return flow;
}

} // namespace agency::flows
