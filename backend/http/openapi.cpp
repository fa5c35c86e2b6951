#include "openapi.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace agency::http {

namespace oa {

namespace {
QJsonObject ofType(const QString &type)
{
    return {{QStringLiteral("type"), type}};
}
} // namespace

QJsonObject string()
{
    return ofType(QStringLiteral("string"));
}
QJsonObject integer()
{
    return ofType(QStringLiteral("integer"));
}
QJsonObject boolean()
{
    return ofType(QStringLiteral("boolean"));
}
QJsonObject anyObject()
{
    return ofType(QStringLiteral("object"));
}
QJsonObject nullableString()
{
    return {{QStringLiteral("type"), QJsonArray{QStringLiteral("string"), QStringLiteral("null")}}};
}
QJsonObject array(const QJsonObject &items)
{
    return {{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), items}};
}
QJsonObject object(const QJsonObject &properties, const QStringList &required)
{
    QJsonObject s{{QStringLiteral("type"), QStringLiteral("object")},
                  {QStringLiteral("properties"), properties}};
    if (!required.isEmpty())
        s.insert(QStringLiteral("required"), QJsonArray::fromStringList(required));
    return s;
}
QJsonObject closed(QJsonObject schema)
{
    schema.insert(QStringLiteral("additionalProperties"), false);
    return schema;
}
QJsonObject page(const QJsonObject &item)
{
    return object({{QStringLiteral("items"), array(item)}, {QStringLiteral("next_cursor"), nullableString()}},
                  {QStringLiteral("items"), QStringLiteral("next_cursor")});
}

QJsonObject ref(const QString &schema)
{
    return {{QStringLiteral("$ref"), QString(QStringLiteral("#/components/schemas/") + schema)}};
}

QJsonObject jsonResponse(const QString &description, const QJsonObject &schema, const QJsonValue &example)
{
    QJsonObject media{{QStringLiteral("schema"), schema}};
    if (!example.isUndefined() && !example.isNull())
        media.insert(QStringLiteral("example"), example);
    return {{QStringLiteral("description"), description},
            {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"), media}}}};
}

QJsonObject jsonBody(const QJsonObject &schema, const QJsonValue &example)
{
    QJsonObject media{{QStringLiteral("schema"), schema}};
    if (!example.isUndefined() && !example.isNull())
        media.insert(QStringLiteral("example"), example);
    return {{QStringLiteral("required"), true},
            {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"), media}}}};
}

QJsonObject queryParam(const QString &name, const QString &description, const QJsonObject &schema)
{
    return {{QStringLiteral("name"), name},
            {QStringLiteral("in"), QStringLiteral("query")},
            {QStringLiteral("required"), false},
            {QStringLiteral("description"), description},
            {QStringLiteral("schema"), schema}};
}

QJsonObject operation(const QString &summary, const QString &tag, const QJsonObject &responses,
                      const QJsonArray &parameters, const QJsonObject &requestBody)
{
    QJsonObject op{{QStringLiteral("summary"), summary},
                   {QStringLiteral("tags"), QJsonArray{tag}},
                   {QStringLiteral("responses"), responses}};
    if (!parameters.isEmpty())
        op.insert(QStringLiteral("parameters"), parameters);
    if (!requestBody.isEmpty())
        op.insert(QStringLiteral("requestBody"), requestBody);
    return op;
}

} // namespace oa

namespace {

QJsonObject errorSchema()
{
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("object")},
        {QStringLiteral("required"), QJsonArray{QStringLiteral("error")}},
        {QStringLiteral("properties"),
         QJsonObject{
             {QStringLiteral("error"),
              QJsonObject{
                  {QStringLiteral("type"), QStringLiteral("object")},
                  {QStringLiteral("required"),
                   QJsonArray{QStringLiteral("code"), QStringLiteral("message"), QStringLiteral("details")}},
                  {QStringLiteral("properties"),
                   QJsonObject{{QStringLiteral("code"),
                                QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}},
                               {QStringLiteral("message"),
                                QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}},
                               {QStringLiteral("details"),
                                QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}}}}}}}}}};
}

QJsonObject errorResponse(const QString &description, const QString &schema = QStringLiteral("Error"))
{
    return {
        {QStringLiteral("description"), description},
        {QStringLiteral("content"), QJsonObject{{QStringLiteral("application/json"),
                                                 QJsonObject{{QStringLiteral("schema"), oa::ref(schema)}}}}}};
}

QJsonObject withSharedParts(const httpserver::RouteSpec &route)
{
    QJsonObject op = route.openApi;
    // Path parameters come from the pattern, so they cannot disagree with it.
    static const QRegularExpression param(QStringLiteral("\\{([^}]+)\\}"));
    QJsonArray parameters = op.value(QStringLiteral("parameters")).toArray();
    for (auto it = param.globalMatch(route.path); it.hasNext();) {
        const QString name = it.next().captured(1);
        bool declared = false;
        for (const QJsonValue &p : parameters)
            declared = declared || (p[QStringLiteral("in")] == QLatin1String("path") &&
                                    p[QStringLiteral("name")] == name);
        if (!declared) {
            parameters.prepend(QJsonObject{
                {QStringLiteral("name"), name},
                {QStringLiteral("in"), QStringLiteral("path")},
                {QStringLiteral("required"), true},
                {QStringLiteral("schema"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")}}}});
        }
    }
    if (!parameters.isEmpty())
        op.insert(QStringLiteral("parameters"), parameters);
    QJsonObject responses = op.value(QStringLiteral("responses")).toObject();
    // The OpenAI-compatible routes answer errors in OpenAI's shape, which its SDKs parse.
    const bool openAi = route.path.startsWith(QLatin1String("/v1/"));
    const QString error = openAi ? QStringLiteral("OpenAiError") : QStringLiteral("Error");
    if (route.access == httpserver::Access::Public) {
        op.insert(QStringLiteral("security"), QJsonArray());
    } else {
        op.insert(QStringLiteral("security"),
                  QJsonArray{QJsonObject{{QStringLiteral("bearer"), QJsonArray()}}});
        if (!responses.contains(QStringLiteral("401")))
            responses.insert(
                QStringLiteral("401"),
                errorResponse(QStringLiteral("missing, unknown, revoked or expired key"), error));
        if (route.access != httpserver::Access::Member && !responses.contains(QStringLiteral("403")))
            responses.insert(QStringLiteral("403"),
                             errorResponse(QStringLiteral("the key's role does not allow this"), error));
    }
    if (!responses.contains(QStringLiteral("default")) && openAi)
        responses.insert(
            QStringLiteral("default"),
            errorResponse(QStringLiteral("an error, in OpenAI's shape: {\"error\": {\"message\", "
                                         "\"type\", \"param\", \"code\"}}"),
                          error));
    if (!responses.contains(QStringLiteral("default")))
        responses.insert(
            QStringLiteral("default"),
            errorResponse(QStringLiteral("an error, as {\"error\": {\"code\", \"message\", \"details\"}}")));
    op.insert(QStringLiteral("responses"), responses);
    return op;
}

} // namespace

QJsonObject buildOpenApiDocument(const QList<const httpserver::RouteSpec *> &routes,
                                 const QJsonObject &schemas)
{
    QJsonObject paths;
    for (const httpserver::RouteSpec *route : routes) {
        QJsonObject item = paths.value(route->path).toObject();
        item.insert(QString::fromLatin1(route->method).toLower(), withSharedParts(*route));
        paths.insert(route->path, item);
    }
    QJsonObject allSchemas = schemas;
    if (!allSchemas.contains(QStringLiteral("Error")))
        allSchemas.insert(QStringLiteral("Error"), errorSchema());
    return QJsonObject{
        {QStringLiteral("openapi"), QStringLiteral("3.1.0")},
        {QStringLiteral("info"),
         QJsonObject{
             {QStringLiteral("title"), QStringLiteral("Agency Console API")},
             {QStringLiteral("version"), QStringLiteral("1")},
             {QStringLiteral("description"),
              QStringLiteral(
                  "The agency's flows, conversations, tenants and runs over HTTP. Errors are "
                  "{\"error\":{\"code\",\"message\",\"details\"}}; every answer carries X-Request-Id.")}}},
        {QStringLiteral("paths"), paths},
        {QStringLiteral("components"),
         QJsonObject{{QStringLiteral("schemas"), allSchemas},
                     {QStringLiteral("securitySchemes"),
                      QJsonObject{{QStringLiteral("bearer"),
                                   QJsonObject{{QStringLiteral("type"), QStringLiteral("http")},
                                               {QStringLiteral("scheme"), QStringLiteral("bearer")}}}}}}}};
}

QJsonObject openApiSelfOperation()
{
    return oa::operation(
        QStringLiteral("This document (OpenAPI 3.1)"), QStringLiteral("system"),
        QJsonObject{{QStringLiteral("200"),
                     oa::jsonResponse(QStringLiteral("the OpenAPI document"),
                                      QJsonObject{{QStringLiteral("type"), QStringLiteral("object")}})}});
}

} // namespace agency::http
