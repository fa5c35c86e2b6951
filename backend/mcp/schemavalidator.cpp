#include "schemavalidator.h"

#include "tools/jsonschema.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

namespace agency::mcp {

struct SchemaValidator::Schema
{
    QJsonObject root;
    QJsonObject defs;
    QHash<QString, QString> requestDefs;      ///< method → definition of the whole request
    QHash<QString, QString> notificationDefs; ///< method → definition of the whole notification
};

namespace {

/// Indexes every definition that fixes a method name ("method": {"const": …}).
void indexMethods(const QJsonObject &defs, QHash<QString, QString> &requests,
                  QHash<QString, QString> &notifications)
{
    for (auto it = defs.constBegin(); it != defs.constEnd(); ++it) {
        const QJsonObject def = it.value().toObject();
        const QJsonValue method = def.value(QLatin1String("properties"))
                                      .toObject()
                                      .value(QLatin1String("method"))
                                      .toObject()
                                      .value(QLatin1String("const"));
        if (!method.isString())
            continue;
        const bool hasId = def.value(QLatin1String("properties")).toObject().contains(QLatin1String("id"));
        (hasId ? requests : notifications).insert(method.toString(), it.key());
    }
}

} // namespace

SchemaValidator::SchemaValidator(QString version, std::shared_ptr<const Schema> schema)
    : m_version(std::move(version)), m_schema(std::move(schema))
{
}

std::optional<SchemaValidator> SchemaValidator::forVersion(const QString &version)
{
    if (!knownProtocolVersions().contains(version))
        return std::nullopt;
    QFile file(QStringLiteral(":/mcp/schema-%1.json").arg(version));
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    auto schema = std::make_shared<Schema>();
    schema->root = QJsonDocument::fromJson(file.readAll()).object();
    schema->defs = schema->root.value(QLatin1String("$defs")).toObject();
    if (schema->defs.isEmpty())
        return std::nullopt;
    indexMethods(schema->defs, schema->requestDefs, schema->notificationDefs);
    return SchemaValidator(version, std::move(schema));
}

QStringList SchemaValidator::validateValue(const QJsonValue &value, const QJsonObject &schema)
{
    const auto checked = tools::JsonSchema::validate(value, schema);
    if (checked.ok())
        return {};
    QStringList errors;
    for (const QJsonValue &e : checked.error().details.value(QLatin1String("errors")).toArray())
        errors.append(e.toString());
    return errors;
}

bool SchemaValidator::defines(const QString &definition) const
{
    return m_schema->defs.contains(definition);
}

QStringList SchemaValidator::check(const QJsonValue &value, const QString &definition) const
{
    const QJsonObject schema{{QStringLiteral("$ref"), QString(QStringLiteral("#/$defs/") + definition)}};
    const auto checked =
        tools::JsonSchema::validate(value, schema, m_schema->root, QStringLiteral("message"));
    if (checked.ok())
        return {};
    QStringList errors;
    // The engine names the root "message" and nested values by their path alone.
    for (const QJsonValue &e : checked.error().details.value(QLatin1String("errors")).toArray()) {
        const QString text = e.toString();
        errors.append(text.startsWith(QLatin1String("message")) ? text : QStringLiteral("message.") + text);
    }
    return errors;
}

QStringList SchemaValidator::validateAgainst(const QJsonValue &value, const QString &definition) const
{
    if (!defines(definition))
        return {QStringLiteral("MCP %1 defines no %2").arg(m_version, definition)};
    return check(value, definition);
}

QStringList SchemaValidator::validate(const Message &message, const QString &answeredMethod) const
{
    const QJsonObject json = message.toJson();
    switch (message.kind) {
    case Message::Kind::Request:
        return check(json, m_schema->requestDefs.value(message.method, QStringLiteral("JSONRPCRequest")));
    case Message::Kind::Notification:
        return check(json,
                     m_schema->notificationDefs.value(message.method, QStringLiteral("JSONRPCNotification")));
    case Message::Kind::Error:
        return check(json, QStringLiteral("JSONRPCErrorResponse"));
    case Message::Kind::Result:
        break;
    }
    QStringList errors = check(json, QStringLiteral("JSONRPCResultResponse"));
    QString request = m_schema->requestDefs.value(answeredMethod);
    if (!errors.isEmpty() || !request.endsWith(QLatin1String("Request")))
        return errors;
    // "ListToolsRequest" is answered by "ListToolsResultResponse" (a whole message, 2026-07-28)
    // or "ListToolsResult" (the result object); requests without a result type of their own
    // (ping) by an EmptyResult.
    const QString stem = request.chopped(int(qstrlen("Request")));
    if (defines(stem + QStringLiteral("ResultResponse")))
        return check(json, stem + QStringLiteral("ResultResponse"));
    const QString resultDef = defines(stem + QStringLiteral("Result")) ? stem + QStringLiteral("Result")
                                                                       : QStringLiteral("EmptyResult");
    errors = check(message.result, resultDef);
    for (QString &e : errors)
        e.replace(0, qsizetype(qstrlen("message")), QStringLiteral("message.result"));
    return errors;
}

} // namespace agency::mcp
