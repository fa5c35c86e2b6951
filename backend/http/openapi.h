#pragma once

#include "httpserver/router.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace agency::http {

/// The OpenAPI 3.1 document for `routes`: their operation fragments, plus what every route shares
/// (path parameters, the bearer security requirement, the error responses) and `schemas` under
/// components. Built from the registrations, so it lists exactly the routes served.
QJsonObject buildOpenApiDocument(const QList<const httpserver::RouteSpec *> &routes,
                                 const QJsonObject &schemas);

/// The operation object of GET /openapi.json itself.
QJsonObject openApiSelfOperation();

/// Helpers for route fragments.
namespace oa {
QJsonObject string();
QJsonObject integer();
QJsonObject boolean();
QJsonObject anyObject();
/// A string or null.
QJsonObject nullableString();
QJsonObject array(const QJsonObject &items);
/// An object with these properties; `required` lists the members always present.
QJsonObject object(const QJsonObject &properties, const QStringList &required = {});
/// `schema` with "additionalProperties": false: a request body whose unknown members the server
/// refuses with 422 (requestparsing.h, onlyKnownFields).
QJsonObject closed(QJsonObject schema);
/// {"items": [<item>], "next_cursor": string|null}
QJsonObject page(const QJsonObject &item);
/// {"$ref": "#/components/schemas/<name>"}
QJsonObject ref(const QString &schema);
/// A JSON response: {"description", "content": {"application/json": {"schema", "example"?}}}.
QJsonObject jsonResponse(const QString &description, const QJsonObject &schema,
                         const QJsonValue &example = {});
/// A JSON request body (required).
QJsonObject jsonBody(const QJsonObject &schema, const QJsonValue &example = {});
/// A query parameter.
QJsonObject queryParam(const QString &name, const QString &description, const QJsonObject &schema);
/// An operation: summary, tags and responses (status text → response object).
QJsonObject operation(const QString &summary, const QString &tag, const QJsonObject &responses,
                      const QJsonArray &parameters = {}, const QJsonObject &requestBody = {});
} // namespace oa

} // namespace agency::http
