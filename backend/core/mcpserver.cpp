#include "mcpserver.h"

#include <QRegularExpression>
#include <QUrl>

namespace agency::core {

namespace {

Error invalid(const QString &field, const QString &problem)
{
    return makeError(ErrorCode::InvalidArgument, QStringLiteral("%1: %2").arg(field, problem),
                     {{QStringLiteral("field"), field}});
}

Result<QMap<QString, QString>> stringMap(const QJsonObject &object, const QString &key, const QString &field)
{
    QMap<QString, QString> map;
    const QJsonValue value = object.value(key);
    if (value.isUndefined())
        return map;
    if (!value.isObject())
        return invalid(field + u'.' + key, QStringLiteral("must be an object of strings"));
    const QJsonObject entries = value.toObject();
    for (auto it = entries.constBegin(); it != entries.constEnd(); ++it) {
        if (!it.value().isString() || it.key().isEmpty())
            return invalid(field + u'.' + key, QStringLiteral("must be an object of strings"));
        map.insert(it.key(), it.value().toString());
    }
    return map;
}

QJsonObject mapToJson(const QMap<QString, QString> &map)
{
    QJsonObject json;
    for (auto it = map.constBegin(); it != map.constEnd(); ++it)
        json.insert(it.key(), it.value());
    return json;
}

} // namespace

bool McpServerConfig::usesSecrets() const
{
    for (const QString &value : headers) {
        if (value.contains(QLatin1String("${secret:")))
            return true;
    }
    return false;
}

QJsonObject McpServerConfig::toJson() const
{
    QJsonObject json{{QStringLiteral("name"), name}};
    if (isStdio()) {
        json.insert(QStringLiteral("command"), command);
        if (!args.isEmpty())
            json.insert(QStringLiteral("args"), QJsonArray::fromStringList(args));
        if (!env.isEmpty())
            json.insert(QStringLiteral("env"), mapToJson(env));
    } else {
        json.insert(QStringLiteral("url"), url);
        if (!headers.isEmpty())
            json.insert(QStringLiteral("headers"), mapToJson(headers));
    }
    if (timeoutMs != kDefaultTimeoutMs)
        json.insert(QStringLiteral("timeout_ms"), timeoutMs);
    return json;
}

Result<McpServerConfig> McpServerConfig::fromJson(const QJsonValue &json, const QString &field)
{
    if (!json.isObject())
        return invalid(field, QStringLiteral("must be an object with a name and a command or a url"));
    const QJsonObject object = json.toObject();
    static const QStringList kKeys{
        QStringLiteral("name"), QStringLiteral("command"), QStringLiteral("args"),      QStringLiteral("env"),
        QStringLiteral("url"),  QStringLiteral("headers"), QStringLiteral("timeout_ms")};
    for (auto it = object.constBegin(); it != object.constEnd(); ++it) {
        if (!kKeys.contains(it.key()))
            return invalid(field + u'.' + it.key(),
                           QStringLiteral("is not an MCP server field (the fields are %1)")
                               .arg(kKeys.join(QStringLiteral(", "))));
    }
    McpServerConfig config;
    // The name prefixes tool names (^[A-Za-z0-9_-]{1,64}$ for the whole): keep room for the tool's.
    static const QRegularExpression namePattern(QStringLiteral("^[A-Za-z0-9_-]{1,32}$"));
    config.name = object.value(QStringLiteral("name")).toString();
    if (!namePattern.match(config.name).hasMatch())
        return invalid(field + QStringLiteral(".name"), QStringLiteral("must be 1-32 of A-Z a-z 0-9 _ -"));
    const QJsonValue command = object.value(QStringLiteral("command"));
    const QJsonValue url = object.value(QStringLiteral("url"));
    if (command.isUndefined() == url.isUndefined())
        return invalid(field, QStringLiteral("needs either a command (stdio) or a url (Streamable HTTP)"));
    if (!command.isUndefined()) {
        config.command = command.toString().trimmed();
        if (!command.isString() || config.command.isEmpty())
            return invalid(field + QStringLiteral(".command"),
                           QStringLiteral("must be a program name or path"));
        const QJsonValue args = object.value(QStringLiteral("args"));
        if (!args.isUndefined() && !args.isArray())
            return invalid(field + QStringLiteral(".args"), QStringLiteral("must be an array of strings"));
        for (const QJsonValue &arg : args.toArray()) {
            if (!arg.isString())
                return invalid(field + QStringLiteral(".args"),
                               QStringLiteral("must be an array of strings"));
            config.args.append(arg.toString());
        }
        auto env = stringMap(object, QStringLiteral("env"), field);
        if (!env)
            return env.error();
        config.env = env.value();
        if (object.contains(QStringLiteral("headers")))
            return invalid(field + QStringLiteral(".headers"),
                           QStringLiteral("only applies to a url server"));
    } else {
        config.url = url.toString().trimmed();
        const QUrl parsed(config.url, QUrl::StrictMode);
        if (!url.isString() || !parsed.isValid() || parsed.host().isEmpty() ||
            (parsed.scheme() != QLatin1String("http") && parsed.scheme() != QLatin1String("https")))
            return invalid(field + QStringLiteral(".url"), QStringLiteral("must be an http or https URL"));
        auto headers = stringMap(object, QStringLiteral("headers"), field);
        if (!headers)
            return headers.error();
        config.headers = headers.value();
        for (const QString &key : {QStringLiteral("args"), QStringLiteral("env")}) {
            if (object.contains(key))
                return invalid(field + u'.' + key, QStringLiteral("only applies to a command server"));
        }
    }
    const QJsonValue timeout = object.value(QStringLiteral("timeout_ms"));
    if (!timeout.isUndefined()) {
        const double ms = timeout.toDouble(-1);
        if (!timeout.isDouble() || ms != static_cast<double>(static_cast<qint64>(ms)) || ms < 100 ||
            ms > 600'000)
            return invalid(field + QStringLiteral(".timeout_ms"),
                           QStringLiteral("must be a whole number of milliseconds from 100 to 600000"));
        config.timeoutMs = static_cast<int>(ms);
    }
    return config;
}

Result<QList<McpServerConfig>> McpServerConfig::listFromJson(const QJsonValue &json, const QString &field)
{
    QList<McpServerConfig> servers;
    if (json.isUndefined() || json.isNull())
        return servers;
    if (!json.isArray())
        return invalid(field, QStringLiteral("must be an array of MCP servers"));
    const QJsonArray array = json.toArray();
    if (array.size() > kMaxServers)
        return invalid(field, QStringLiteral("may list at most %1 servers").arg(kMaxServers));
    for (qsizetype i = 0; i < array.size(); ++i) {
        auto server = fromJson(array.at(i), QStringLiteral("%1[%2]").arg(field).arg(i));
        if (!server)
            return server.error();
        for (const McpServerConfig &other : servers) {
            if (other.name == server->name)
                return invalid(QStringLiteral("%1[%2].name").arg(field).arg(i),
                               QStringLiteral("\"%1\" is used twice").arg(server->name));
        }
        servers.append(server.value());
    }
    return servers;
}

QJsonArray McpServerConfig::listToJson(const QList<McpServerConfig> &servers)
{
    QJsonArray array;
    for (const McpServerConfig &server : servers)
        array.append(server.toJson());
    return array;
}

QJsonObject McpServerStatus::toJson() const
{
    QJsonObject json{{QStringLiteral("name"), name},           {QStringLiteral("scope"), scope},
                     {QStringLiteral("transport"), transport}, {QStringLiteral("state"), state},
                     {QStringLiteral("tools"), toolCount},     {QStringLiteral("restarts"), restarts}};
    if (!reason.isEmpty())
        json.insert(QStringLiteral("reason"), reason);
    if (!protocolVersion.isEmpty())
        json.insert(QStringLiteral("protocol_version"), protocolVersion);
    return json;
}

} // namespace agency::core
