#include "jsonschemavalidator.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace agency::test {

namespace {

bool hasType(const QJsonValue &value, const QString &type)
{
    if (type == QLatin1String("null"))
        return value.isNull();
    if (type == QLatin1String("boolean"))
        return value.isBool();
    if (type == QLatin1String("object"))
        return value.isObject();
    if (type == QLatin1String("array"))
        return value.isArray();
    if (type == QLatin1String("string"))
        return value.isString();
    if (type == QLatin1String("number"))
        return value.isDouble();
    if (type == QLatin1String("integer"))
        return value.isDouble() && std::floor(value.toDouble()) == value.toDouble();
    return false;
}

QString brief(const QJsonValue &value)
{
    const QByteArray text = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(text.mid(1, text.size() - 2)).left(60);
}

} // namespace

QStringList JsonSchemaValidator::validate(const QJsonValue &value) const
{
    QStringList errors;
    check(value, m_root, QStringLiteral("$"), errors, 0);
    return errors;
}

QJsonValue JsonSchemaValidator::resolve(const QString &ref) const
{
    if (!ref.startsWith(QLatin1String("#/")))
        return {};
    QJsonValue node = m_root;
    for (const QString &part : ref.mid(2).split(u'/')) {
        QString key = part;
        key.replace(QLatin1String("~1"), QLatin1String("/")).replace(QLatin1String("~0"), QLatin1String("~"));
        node = node.toObject().value(key);
    }
    return node;
}

void JsonSchemaValidator::check(const QJsonValue &value, const QJsonValue &schemaValue, const QString &path,
                                QStringList &errors, int depth) const
{
    if (depth > 64) {
        errors.append(path + QStringLiteral(": schema nesting too deep"));
        return;
    }
    if (schemaValue.isBool()) {
        if (!schemaValue.toBool())
            errors.append(path + QStringLiteral(": not allowed here"));
        return;
    }
    const QJsonObject schema = schemaValue.toObject();
    if (schema.value(QStringLiteral("nullable")).toBool() && value.isNull())
        return;
    if (schema.contains(QStringLiteral("$ref"))) {
        const QString ref = schema.value(QStringLiteral("$ref")).toString();
        const QJsonValue target = resolve(ref);
        if (target.isUndefined())
            errors.append(path + QStringLiteral(": unresolvable $ref ") + ref);
        else
            check(value, target, path, errors, depth + 1);
    }
    const QJsonValue type = schema.value(QStringLiteral("type"));
    if (type.isString() || type.isArray()) {
        const QJsonArray types = type.isArray() ? type.toArray() : QJsonArray{type};
        bool ok = false;
        for (const QJsonValue &t : types)
            ok = ok || hasType(value, t.toString());
        if (!ok) {
            errors.append(path + QStringLiteral(": %1 is not of type %2").arg(brief(value), brief(type)));
            return;
        }
    }
    if (schema.contains(QStringLiteral("enum")) &&
        !schema.value(QStringLiteral("enum")).toArray().contains(value))
        errors.append(path + QStringLiteral(": %1 is not one of %2")
                                 .arg(brief(value), brief(schema.value(QStringLiteral("enum")))));
    if (schema.contains(QStringLiteral("const")) && schema.value(QStringLiteral("const")) != value)
        errors.append(
            path +
            QStringLiteral(": %1 is not %2").arg(brief(value), brief(schema.value(QStringLiteral("const")))));

    if (value.isObject()) {
        const QJsonObject obj = value.toObject();
        const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
        for (const QJsonValue &r : schema.value(QStringLiteral("required")).toArray()) {
            if (!obj.contains(r.toString()))
                errors.append(path + QStringLiteral(": missing required property \"%1\"").arg(r.toString()));
        }
        const QJsonValue additional = schema.value(QStringLiteral("additionalProperties"));
        for (auto it = obj.begin(); it != obj.end(); ++it) {
            const QString child = path + u'.' + it.key();
            if (properties.contains(it.key()))
                check(it.value(), properties.value(it.key()), child, errors, depth + 1);
            else if (additional.isBool() && !additional.toBool())
                errors.append(path + QStringLiteral(": unknown property \"%1\"").arg(it.key()));
            else if (additional.isObject())
                check(it.value(), additional, child, errors, depth + 1);
        }
    }
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        if (schema.contains(QStringLiteral("minItems")) &&
            array.size() < schema.value(QStringLiteral("minItems")).toInt())
            errors.append(path + QStringLiteral(": too few items"));
        if (schema.contains(QStringLiteral("maxItems")) &&
            array.size() > schema.value(QStringLiteral("maxItems")).toInt())
            errors.append(path + QStringLiteral(": too many items"));
        if (schema.contains(QStringLiteral("items"))) {
            for (qsizetype i = 0; i < array.size(); ++i)
                check(array.at(i), schema.value(QStringLiteral("items")),
                      path + QStringLiteral("[%1]").arg(i), errors, depth + 1);
        }
    }
    if (value.isString()) {
        const qsizetype length = value.toString().size();
        if (schema.contains(QStringLiteral("minLength")) &&
            length < schema.value(QStringLiteral("minLength")).toInt())
            errors.append(path + QStringLiteral(": string too short"));
        if (schema.contains(QStringLiteral("maxLength")) &&
            length > schema.value(QStringLiteral("maxLength")).toInt())
            errors.append(path + QStringLiteral(": string too long"));
    }
    if (value.isDouble()) {
        const double n = value.toDouble();
        if (schema.contains(QStringLiteral("minimum")) &&
            n < schema.value(QStringLiteral("minimum")).toDouble())
            errors.append(path + QStringLiteral(": %1 is below the minimum").arg(n));
        if (schema.contains(QStringLiteral("maximum")) &&
            n > schema.value(QStringLiteral("maximum")).toDouble())
            errors.append(path + QStringLiteral(": %1 is above the maximum").arg(n));
    }
    for (const QJsonValue &sub : schema.value(QStringLiteral("allOf")).toArray())
        check(value, sub, path, errors, depth + 1);
    for (const char *keyword : {"anyOf", "oneOf"}) {
        const QJsonArray alternatives = schema.value(QLatin1String(keyword)).toArray();
        if (alternatives.isEmpty())
            continue;
        int matches = 0;
        QStringList firstFailure;
        for (const QJsonValue &alt : alternatives) {
            QStringList altErrors;
            check(value, alt, path, altErrors, depth + 1);
            if (altErrors.isEmpty())
                ++matches;
            else if (firstFailure.isEmpty() || altErrors.size() < firstFailure.size())
                firstFailure = altErrors;
        }
        const bool oneOf = qstrcmp(keyword, "oneOf") == 0;
        if (matches == 0)
            errors.append(path + QStringLiteral(": matches no alternative of %1 (closest: %2)")
                                     .arg(QLatin1String(keyword), firstFailure.join(QStringLiteral("; "))));
        else if (oneOf && matches > 1)
            errors.append(path + QStringLiteral(": matches %1 alternatives of oneOf").arg(matches));
    }
}

} // namespace agency::test
