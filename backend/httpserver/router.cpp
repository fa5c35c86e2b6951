#include "router.h"

#include "errorbody.h"

#include <QUrl>

namespace agency::httpserver {

namespace {

bool isParam(const QString &segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{')) && segment.endsWith(QLatin1Char('}'));
}

} // namespace

void Router::add(RouteSpec spec)
{
    for (const RouteSpec &existing : m_routes)
        Q_ASSERT_X(!(existing.method == spec.method && existing.path == spec.path), "Router::add",
                   "duplicate");
    m_patterns.push_back(spec.path.split(QLatin1Char('/')));
    m_routes.push_back(std::move(spec));
}

bool Router::matchPattern(const QStringList &pattern, const QStringList &segments,
                          QHash<QString, QString> *params)
{
    if (pattern.size() != segments.size())
        return false;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QString &p = pattern.at(i);
        if (isParam(p)) {
            if (segments.at(i).isEmpty())
                return false;
            params->insert(p.mid(1, p.size() - 2), QUrl::fromPercentEncoding(segments.at(i).toUtf8()));
        } else if (p != segments.at(i)) {
            return false;
        }
    }
    return true;
}

Router::Match Router::match(const QByteArray &method, const QString &path) const
{
    Match result;
    const RouteSpec *getRoute = nullptr; ///< answers HEAD when no route takes HEAD itself
    QHash<QString, QString> getParams;
    // The path is still percent-encoded: split first, then decode each segment, so an encoded
    // '/' inside an id stays part of that id.
    const QStringList segments = path.split(QLatin1Char('/'));
    for (size_t i = 0; i < m_routes.size(); ++i) {
        QHash<QString, QString> params;
        if (!matchPattern(m_patterns[i], segments, &params))
            continue;
        if (m_routes[i].method == method) {
            result.route = &m_routes[i];
            result.params = std::move(params);
            result.allowedMethods.clear();
            return result;
        }
        if (m_routes[i].method == "GET" && !getRoute) {
            getRoute = &m_routes[i];
            getParams = params;
        }
        result.allowedMethods.append(m_routes[i].method);
    }
    if (getRoute && method == "HEAD") {
        result.route = getRoute;
        result.params = std::move(getParams);
        result.allowedMethods.clear();
        return result;
    }
    // HEAD is allowed wherever GET is (RFC 9110 §9.3.2).
    const qsizetype get = result.allowedMethods.indexOf(QByteArrayLiteral("GET"));
    if (get >= 0 && !result.allowedMethods.contains(QByteArrayLiteral("HEAD")))
        result.allowedMethods.insert(get + 1, QByteArrayLiteral("HEAD"));
    return result;
}

void Router::setPrefixErrorRenderer(const QString &prefix, ErrorRenderer renderer)
{
    m_prefixRenderers.append({prefix, std::move(renderer)});
}

ErrorRenderer Router::rendererForPath(const QString &path) const
{
    const ErrorRenderer *best = nullptr;
    qsizetype bestLength = -1;
    for (const auto &[prefix, renderer] : m_prefixRenderers) {
        if (path.startsWith(prefix) && prefix.size() > bestLength) {
            best = &renderer;
            bestLength = prefix.size();
        }
    }
    return best ? *best : ErrorRenderer(renderAgencyError);
}

} // namespace agency::httpserver
