#include "requestparsing.h"

#include "core/text.h"
#include "core/validation.h"

#include <QDateTime>
#include <QJsonArray>

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

namespace {

/// `name` lower-cased with everything but letters and digits dropped: conversationId,
/// conversation-id and CONVERSATION_ID all read as "conversationid".
QString folded(const QString &name)
{
    QString out;
    for (const QChar c : name) {
        if (c.isLetterOrNumber())
            out.append(c.toLower());
    }
    return out;
}

/// Edits from `a` to `b`: insertions, deletions, substitutions and swaps of two neighbours, one
/// each (optimal string alignment). Field names are short, so the whole table is fine.
qsizetype editDistance(const QString &a, const QString &b)
{
    const qsizetype width = b.size() + 1;
    QList<qsizetype> d((a.size() + 1) * width);
    const auto at = [&](qsizetype i, qsizetype j) -> qsizetype & { return d[i * width + j]; };
    for (qsizetype i = 0; i <= a.size(); ++i)
        at(i, 0) = i;
    for (qsizetype j = 0; j <= b.size(); ++j)
        at(0, j) = j;
    for (qsizetype i = 1; i <= a.size(); ++i) {
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const qsizetype cost = a[i - 1] == b[j - 1] ? 0 : 1;
            at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
        }
    }
    return at(a.size(), b.size());
}

QString quoted(const QString &name)
{
    return QLatin1Char('"') + name + QLatin1Char('"');
}

} // namespace

QString closestKnownField(const QString &name, const QStringList &known)
{
    constexpr qsizetype kMaxEdits = 2;
    const QString wanted = folded(name);
    QString best;
    qsizetype bestDistance = kMaxEdits + 1;
    for (const QString &candidate : known) {
        const QString folding = folded(candidate);
        if (folding == wanted)
            return candidate;
        // A short name is only a guess when at least half of it matches ("id" is no typo of "n").
        const qsizetype distance = editDistance(wanted, folding);
        if (distance < bestDistance && distance * 2 <= folding.size()) {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}

core::Status onlyKnownFields(const QJsonObject &body, const QStringList &known, const QString &parent)
{
    const QString prefix = parent.isEmpty() ? QString() : QString(parent + QLatin1Char('.'));
    QJsonArray unknown;
    QJsonObject suggestions;
    QStringList named;
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (known.contains(it.key()))
            continue;
        const QString field = prefix + it.key();
        unknown.append(field);
        const QString guess = closestKnownField(it.key(), known);
        if (guess.isEmpty()) {
            named.append(quoted(field));
        } else {
            suggestions.insert(field, QString(prefix + guess));
            named.append(QStringLiteral("%1 (did you mean %2?)").arg(quoted(field), quoted(prefix + guess)));
        }
    }
    if (unknown.isEmpty())
        return {};
    QStringList knownNames;
    for (const QString &name : known)
        knownNames.append(QString(prefix + name));
    const QString message =
        QStringLiteral("unknown field%1 %2; %3takes only: %4")
            .arg(unknown.size() == 1 ? QString() : QStringLiteral("s"), named.join(QStringLiteral(", ")),
                 parent.isEmpty() ? QStringLiteral("this body ") : QString(parent + QLatin1Char(' ')),
                 knownNames.join(QStringLiteral(", ")));
    QJsonObject details{{QStringLiteral("field"), unknown.first()},
                        {QStringLiteral("unknown_fields"), unknown}};
    if (!suggestions.isEmpty())
        details.insert(QStringLiteral("did_you_mean"), suggestions);
    return core::makeError(core::ErrorCode::InvalidArgument, message, details);
}

core::Result<QUuid> parseId(const QString &text, const QString &field)
{
    if (text.isEmpty())
        return QUuid();
    // Stricter than the console and CLI (no braces, no spaces): an API client sends ids it read
    // from an answer, so anything else is a bug worth reporting.
    const QUuid id = core::isCanonicalUuid(text) ? QUuid::fromString(text) : QUuid();
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
