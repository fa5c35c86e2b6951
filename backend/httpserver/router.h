#pragma once

#include "apicall.h"

#include <QJsonObject>
#include <QString>

#include <functional>
#include <vector>

namespace agency::httpserver {

/// Who may call a route. Every level above Public needs a valid key (or `serve --no-auth`).
enum class Access {
    Public,      ///< no key: health checks, the OpenAPI document
    Member,      ///< any key: chat and read inside the key's tenant
    TenantAdmin, ///< a tenant admin key (or a global admin): delete, export, tenant settings
    GlobalAdmin, ///< a global admin key only: every tenant, the audit log, metrics
};

using Handler = std::function<void(const CallPtr &call)>;

/// One route: method, path pattern with `{name}` segments, who may call it, its handler and its
/// OpenAPI operation object (the document at /openapi.json is assembled from these, so it lists
/// exactly the routes served).
struct RouteSpec
{
    QByteArray method; ///< "GET", "POST", "PATCH", "DELETE", …
    QString path;      ///< e.g. "/conversations/{id}/messages"
    Access access = Access::Member;
    Handler handler;
    /// The OpenAPI 3.1 operation object (summary, parameters, requestBody, responses…); the
    /// server adds the error responses every route shares and the security requirement.
    QJsonObject openApi;
    /// How errors of this route are written; empty: the agency's shape (renderAgencyError).
    ErrorRenderer errorRenderer;
};

/// Maps (method, path) to a route; HEAD goes to the path's GET route unless a route takes HEAD.
/// Built once before the server listens; lookups are read-only.
class Router
{
public:
    /// Adds a route; a second route with the same method and pattern is a programming error.
    void add(RouteSpec spec);

    struct Match
    {
        const RouteSpec *route = nullptr; ///< null: no route for this method
        QHash<QString, QString> params;   ///< the `{name}` segments, percent-decoded
        QList<QByteArray> allowedMethods; ///< when the path exists with other methods (405)
    };
    Match match(const QByteArray &method, const QString &path) const;

    const std::vector<RouteSpec> &routes() const { return m_routes; }

    /// A schema the routes' OpenAPI fragments refer to as "#/components/schemas/<name>".
    void addSchema(const QString &name, const QJsonObject &schema) { m_schemas.insert(name, schema); }
    const QJsonObject &schemas() const { return m_schemas; }

    /// Error renderer for paths under `prefix` that match no route (e.g. "/v1/" → OpenAI's shape).
    void setPrefixErrorRenderer(const QString &prefix, ErrorRenderer renderer);
    /// The renderer for a path with no route: the longest matching prefix's, else the agency's.
    ErrorRenderer rendererForPath(const QString &path) const;

private:
    /// Parameters of `pattern` against `segments`, or false when it does not match.
    static bool matchPattern(const QStringList &pattern, const QStringList &segments,
                             QHash<QString, QString> *params);

    std::vector<RouteSpec> m_routes;
    std::vector<QStringList> m_patterns; ///< m_routes[i].path split on '/'
    QList<std::pair<QString, ErrorRenderer>> m_prefixRenderers;
    QJsonObject m_schemas;
};

} // namespace agency::httpserver
