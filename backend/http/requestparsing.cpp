#include "requestparsing.h"

#include "core/text.h"

#include <QDateTime>

#include <algorithm>

namespace agency::http {

namespace {

core::Error invalid(const QString &field, const QString &what)
{
    return core::makeError(core::ErrorCode::InvalidArgument, QStringLiteral("%1: %2").arg(field, what),
                           {{QStringLiteral("field"), field}});
}

} // namespace

core::Result<QString> scopeTenant(const httpserver::ApiCall &call, const QString &requested)
{
    const core::Principal &principal = call.principal();
    if (principal.isGlobal()) {
        if (requested.isEmpty()) {
            return core::makeError(core::ErrorCode::InvalidArgument,
                                   QStringLiteral("tenant_id: required with a global key"),
                                   {{QStringLiteral("field"), QStringLiteral("tenant_id")}});
        }
        return requested;
    }
    if (!requested.isEmpty() && requested != principal.tenantId) {
        return core::makeError(core::ErrorCode::Forbidden,
                               QStringLiteral("tenant_id: this key acts only in its own tenant"),
                               {{QStringLiteral("field"), QStringLiteral("tenant_id")}});
    }
    return principal.tenantId;
}

core::Result<int> queryLimit(const httpserver::ApiCall &call, int fallback, int max)
{
    if (!call.hasQuery(QStringLiteral("limit")))
        return fallback;
    bool ok = false;
    const int limit = call.query(QStringLiteral("limit")).toInt(&ok);
    if (!ok || limit < 1 || limit > max)
        return invalid(QStringLiteral("limit"),
                       QStringLiteral("must be a whole number from 1 to %1").arg(max));
    return limit;
}

core::Result<std::optional<QString>> optionalString(const QJsonObject &body, const QString &field)
{
    const QJsonValue v = body.value(field);
    if (v.isUndefined() || v.isNull())
        return std::optional<QString>();
    if (!v.isString())
        return invalid(field, QStringLiteral("must be a string"));
    return std::optional<QString>(v.toString());
}

core::Result<QString> requiredString(const QJsonObject &body, const QString &field)
{
    auto value = optionalString(body, field);
    if (!value)
        return value.error();
    if (!value.value() || value.value()->isEmpty())
        return invalid(field, QStringLiteral("required"));
    return *value.value();
}

core::Result<std::optional<QJsonObject>> optionalObject(const QJsonObject &body, const QString &field)
{
    const QJsonValue v = body.value(field);
    if (v.isUndefined() || v.isNull())
        return std::optional<QJsonObject>();
    if (!v.isObject())
        return invalid(field, QStringLiteral("must be an object"));
    return std::optional<QJsonObject>(v.toObject());
}

core::Status onlyKnownFields(const QJsonObject &body, const QStringList &known)
{
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!known.contains(it.key()))
            return invalid(
                it.key(),
                QStringLiteral("unknown field (expected one of %1)").arg(known.join(QStringLiteral(", "))));
    }
    return {};
}

core::Result<QUuid> parseId(const QString &text, const QString &field)
{
    if (text.isEmpty())
        return QUuid();
    // QUuid::fromString alone is lenient: it reads braces and ignores what follows 38
    // characters, so "<uuid>xyz" would name the same record as "<uuid>".
    static constexpr qsizetype kDashes[] = {8, 13, 18, 23};
    bool canonical = text.size() == 36;
    for (qsizetype i = 0; canonical && i < text.size(); ++i) {
        const QChar c = text.at(i);
        const bool dashHere = std::find(std::begin(kDashes), std::end(kDashes), i) != std::end(kDashes);
        const bool hexDigit =
            (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
        canonical = dashHere ? c == u'-' : hexDigit;
    }
    const QUuid id = canonical ? QUuid::fromString(text) : QUuid();
    if (id.isNull()) {
        return invalid(field, core::uuidRule() +
                                  QStringLiteral(", written in its 36-character form "
                                                 "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex digits)"));
    }
    return id;
}

core::Result<QDateTime> queryTime(const httpserver::ApiCall &call, const QString &name,
                                  const QDateTime &fallback)
{
    if (!call.hasQuery(name))
        return fallback;
    const QString text = call.query(name);
    QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!t.isValid()) {
        const QDate day = QDate::fromString(text, Qt::ISODate);
        if (day.isValid())
            t = QDateTime(day, QTime(0, 0), Qt::UTC);
    }
    if (!t.isValid())
        return invalid(name, QStringLiteral("must be an ISO 8601 date (2025-01-31) or date-time"));
    return t;
}

core::Result<QString> pathTenant(const httpserver::ApiCall &call)
{
    const QString id = call.pathParam(QStringLiteral("id"));
    if (!call.principal().isGlobal() && id != call.principal().tenantId) {
        return core::makeError(core::ErrorCode::NotFound, QStringLiteral("tenant %1 not found").arg(id),
                               {{QStringLiteral("tenant_id"), id}});
    }
    return id;
}

std::optional<QString> callPathId(const httpserver::CallPtr &call, const QString &field)
{
    const QString text = call->pathParam(QStringLiteral("id"));
    auto id = text.isEmpty() ? core::Result<QUuid>(invalid(field, QStringLiteral("required")))
                             : parseId(text, field);
    if (!proceed(call, id))
        return std::nullopt;
    return id->toString(QUuid::WithoutBraces);
}

} // namespace agency::http
