#include "jsonschema.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

#include <cmath>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;

namespace {

constexpr int kMaxReportedErrors = 10;
// A schema whose $refs loop would recurse forever; real documents nest far less deeply.
constexpr int kMaxDepth = 64;
constexpr double kMaxSafeInteger = 9007199254740991.0; // 2^53 - 1

const QStringList &knownTypes()
{
    static const QStringList types = {QStringLiteral("object"),  QStringLiteral("string"),
                                      QStringLiteral("number"),  QStringLiteral("integer"),
                                      QStringLiteral("boolean"), QStringLiteral("array"),
                                      QStringLiteral("null")};
    return types;
}

QString describeValue(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isNull())
        return QStringLiteral("null");
    return QString::number(value.toDouble(), 'g', 15);
}

QString joinPath(const QString &path, const QString &key)
{
    return path.isEmpty() ? key : path + u'.' + key;
}

QString displayPath(const QString &path, const QString &rootName = QStringLiteral("arguments"))
{
    return path.isEmpty() ? rootName : path;
}

bool matchesType(const QJsonValue &value, const QString &type)
{
    if (type == QLatin1String("object"))
        return value.isObject();
    if (type == QLatin1String("string"))
        return value.isString();
    if (type == QLatin1String("boolean"))
        return value.isBool();
    if (type == QLatin1String("array"))
        return value.isArray();
    if (type == QLatin1String("null"))
        return value.isNull();
    if (type == QLatin1String("number"))
        return value.isDouble();
    if (type == QLatin1String("integer")) {
        if (!value.isDouble())
            return false;
        const double d = value.toDouble();
        return std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= kMaxSafeInteger;
    }
    return false;
}

/// Recursive validator collecting every error with its path.
class Validator
{
public:
    QStringList errors;

    /// The document `$ref`s point into ("#/$defs/Name", any JSON pointer); empty: none allowed.
    QJsonObject root;
    QString rootName = QStringLiteral("arguments");

    QJsonValue check(const QJsonValue &value, const QJsonObject &schema, const QString &path, int depth = 0)
    {
        if (depth > kMaxDepth) {
            fail(path, QStringLiteral("schema nests too deeply (a $ref loop?)"));
            return value;
        }
        if (schema.contains(QLatin1String("$ref"))) {
            const QString ref = schema.value(QLatin1String("$ref")).toString();
            const QJsonValue target = resolve(ref);
            if (!target.isObject()) {
                fail(path, QStringLiteral("schema reference %1 does not resolve").arg(ref));
                return value;
            }
            check(value, target.toObject(), path, depth + 1);
        }
        if (!checkCombinations(value, schema, path, depth))
            return value;
        if (!checkType(value, schema, path))
            return value;
        checkEnumAndConst(value, schema, path);
        if (value.isString())
            checkString(value.toString(), schema, path);
        else if (value.isDouble())
            checkNumber(value.toDouble(), schema, path);
        else if (value.isArray())
            return checkArray(value.toArray(), schema, path, depth);
        else if (value.isObject())
            return checkObject(value.toObject(), schema, path, depth);
        return value;
    }

private:
    void fail(const QString &path, const QString &message)
    {
        if (errors.size() < kMaxReportedErrors)
            errors.append(displayPath(path, rootName) + QStringLiteral(": ") + message);
    }

    QJsonValue resolve(const QString &ref) const
    {
        if (!ref.startsWith(QLatin1String("#")))
            return {};
        QJsonValue node = root;
        const QStringList parts = ref.mid(1).split(u'/', Qt::SkipEmptyParts);
        for (QString part : parts) {
            part.replace(QLatin1String("~1"), QLatin1String("/"))
                .replace(QLatin1String("~0"), QLatin1String("~"));
            if (node.isObject())
                node = node.toObject().value(part);
            else if (node.isArray())
                node = node.toArray().at(part.toInt());
            else
                return {};
        }
        return node;
    }

    /// Errors `value` would get against `schema` alone (for anyOf / oneOf branches).
    QStringList branchErrors(const QJsonValue &value, const QJsonObject &schema, const QString &path,
                             int depth) const
    {
        Validator branch;
        branch.root = root;
        branch.rootName = rootName;
        branch.check(value, schema, path, depth + 1);
        return branch.errors;
    }

    /// allOf, anyOf and oneOf; false when the value failed them (no point checking further).
    bool checkCombinations(const QJsonValue &value, const QJsonObject &schema, const QString &path, int depth)
    {
        const qsizetype before = errors.size();
        for (const QJsonValue &part : schema.value(QLatin1String("allOf")).toArray())
            check(value, part.toObject(), path, depth + 1);
        for (const char *keyword : {"anyOf", "oneOf"}) {
            const QJsonArray branches = schema.value(QLatin1String(keyword)).toArray();
            if (branches.isEmpty())
                continue;
            int matched = 0;
            QStringList closest;
            for (const QJsonValue &branch : branches) {
                const QStringList found = branchErrors(value, branch.toObject(), path, depth);
                if (found.isEmpty())
                    ++matched;
                else if (closest.isEmpty() || found.size() < closest.size())
                    closest = found;
            }
            const bool one = qstrcmp(keyword, "oneOf") == 0;
            if (matched == 0) {
                fail(path, QStringLiteral("matches none of the %1 allowed shapes; the closest fails with: %2")
                               .arg(branches.size())
                               .arg(closest.join(QStringLiteral("; "))));
            } else if (one && matched > 1) {
                fail(path,
                     QStringLiteral("matches %1 of the oneOf shapes, must match exactly one").arg(matched));
            }
        }
        return errors.size() == before;
    }

    bool checkType(const QJsonValue &value, const QJsonObject &schema, const QString &path)
    {
        const QJsonValue type = schema.value(QLatin1String("type"));
        QStringList allowed;
        if (type.isString())
            allowed.append(type.toString());
        else if (type.isArray()) {
            for (const QJsonValue &t : type.toArray())
                allowed.append(t.toString());
        } else
            return true;
        for (const QString &t : allowed) {
            if (matchesType(value, t))
                return true;
        }
        // "number" also accepts integers, so say "an integer" only when that is all we accept.
        const QString got = JsonSchema::typeName(value);
        if (allowed.size() == 1) {
            const QString &t = allowed.front();
            const QString article =
                (t == QLatin1String("object") || t == QLatin1String("array") || t == QLatin1String("integer"))
                    ? QStringLiteral("an ")
                    : QStringLiteral("a ");
            fail(path, QStringLiteral("must be ") + (t == QLatin1String("null") ? QString() : article) + t +
                           QStringLiteral(", got ") + got);
        } else {
            fail(path, QStringLiteral("must be one of the types ") + allowed.join(QStringLiteral(", ")) +
                           QStringLiteral(", got ") + got);
        }
        return false;
    }

    void checkEnumAndConst(const QJsonValue &value, const QJsonObject &schema, const QString &path)
    {
        const QJsonValue enumValue = schema.value(QLatin1String("enum"));
        if (enumValue.isArray()) {
            const QJsonArray options = enumValue.toArray();
            if (!options.contains(value)) {
                QStringList names;
                for (const QJsonValue &option : options)
                    names.append(describeValue(option));
                fail(path, QStringLiteral("must be one of ") + names.join(QStringLiteral(", ")));
            }
        }
        if (schema.contains(QLatin1String("const"))) {
            const QJsonValue expected = schema.value(QLatin1String("const"));
            if (value != expected)
                fail(path, QStringLiteral("must be ") + describeValue(expected));
        }
    }

    void checkString(const QString &text, const QJsonObject &schema, const QString &path)
    {
        // JSON Schema counts characters (code points), not UTF-16 units.
        const qsizetype length = text.toUcs4().size();
        if (schema.contains(QLatin1String("minLength"))) {
            const qint64 min = schema.value(QLatin1String("minLength")).toInteger();
            if (length < min) {
                fail(path, min == 1 ? QStringLiteral("must not be empty")
                                    : QStringLiteral("must be at least %1 characters long").arg(min));
            }
        }
        if (schema.contains(QLatin1String("maxLength"))) {
            const qint64 max = schema.value(QLatin1String("maxLength")).toInteger();
            if (length > max)
                fail(path, QStringLiteral("must be at most %1 characters long").arg(max));
        }
        if (schema.contains(QLatin1String("pattern"))) {
            const QString pattern = schema.value(QLatin1String("pattern")).toString();
            const QRegularExpression re(pattern);
            if (re.isValid() && !re.match(text).hasMatch())
                fail(path, QStringLiteral("must match the pattern ") + pattern);
        }
    }

    void checkNumber(double number, const QJsonObject &schema, const QString &path)
    {
        auto bound = [&schema](const char *key, double &out) {
            const QJsonValue v = schema.value(QLatin1String(key));
            if (!v.isDouble())
                return false;
            out = v.toDouble();
            return true;
        };
        double limit = 0;
        if (bound("minimum", limit) && number < limit)
            fail(path, QStringLiteral("must be >= ") + QString::number(limit, 'g', 15));
        if (bound("maximum", limit) && number > limit)
            fail(path, QStringLiteral("must be <= ") + QString::number(limit, 'g', 15));
        if (bound("exclusiveMinimum", limit) && number <= limit)
            fail(path, QStringLiteral("must be > ") + QString::number(limit, 'g', 15));
        if (bound("exclusiveMaximum", limit) && number >= limit)
            fail(path, QStringLiteral("must be < ") + QString::number(limit, 'g', 15));
    }

    QJsonValue checkArray(QJsonArray array, const QJsonObject &schema, const QString &path, int depth)
    {
        if (schema.contains(QLatin1String("minItems"))) {
            const qint64 min = schema.value(QLatin1String("minItems")).toInteger();
            if (array.size() < min)
                fail(path, QStringLiteral("must have at least %1 items").arg(min));
        }
        if (schema.contains(QLatin1String("maxItems"))) {
            const qint64 max = schema.value(QLatin1String("maxItems")).toInteger();
            if (array.size() > max)
                fail(path, QStringLiteral("must have at most %1 items").arg(max));
        }
        const QJsonValue items = schema.value(QLatin1String("items"));
        if (items.isObject()) {
            for (qsizetype i = 0; i < array.size(); ++i) {
                const QString itemPath = displayPath(path, rootName) + QStringLiteral("[%1]").arg(i);
                array[i] = check(array.at(i), items.toObject(), itemPath, depth + 1);
            }
        }
        return array;
    }

    QJsonValue checkObject(QJsonObject object, const QJsonObject &schema, const QString &path, int depth)
    {
        const QJsonObject properties = schema.value(QLatin1String("properties")).toObject();
        for (const QJsonValue &required : schema.value(QLatin1String("required")).toArray()) {
            const QString key = required.toString();
            if (!object.contains(key))
                fail(joinPath(path, key), QStringLiteral("is required"));
        }
        const QJsonValue additional = schema.value(QLatin1String("additionalProperties"));
        const QStringList keys = object.keys();
        for (const QString &key : keys) {
            const QString keyPath = joinPath(path, key);
            if (properties.contains(key)) {
                object.insert(key,
                              check(object.value(key), properties.value(key).toObject(), keyPath, depth + 1));
            } else if (additional.isBool() && !additional.toBool()) {
                const QStringList allowed = properties.keys();
                fail(keyPath, allowed.isEmpty()
                                  ? QStringLiteral("unknown property (no properties are allowed)")
                                  : QStringLiteral("unknown property (allowed: %1)")
                                        .arg(allowed.join(QStringLiteral(", "))));
            } else if (additional.isObject()) {
                object.insert(key, check(object.value(key), additional.toObject(), keyPath, depth + 1));
            }
        }
        for (auto it = properties.constBegin(); it != properties.constEnd(); ++it) {
            const QJsonObject propertySchema = it.value().toObject();
            if (!object.contains(it.key()) && propertySchema.contains(QLatin1String("default")))
                object.insert(it.key(), propertySchema.value(QLatin1String("default")));
        }
        return object;
    }
};

/// Structural checks of a schema node; returns the first problem found.
QString schemaProblem(const QJsonObject &schema, const QString &path)
{
    const QJsonValue type = schema.value(QLatin1String("type"));
    if (!type.isUndefined()) {
        QJsonArray types = type.isArray() ? type.toArray() : QJsonArray{type};
        if (types.isEmpty())
            return path + QStringLiteral(".type: empty");
        for (const QJsonValue &t : types) {
            if (!t.isString() || !knownTypes().contains(t.toString()))
                return path + QStringLiteral(".type: unsupported type ") + describeValue(t);
        }
    }
    const QJsonValue enumValue = schema.value(QLatin1String("enum"));
    if (!enumValue.isUndefined() && (!enumValue.isArray() || enumValue.toArray().isEmpty()))
        return path + QStringLiteral(".enum: must be a non-empty array");
    for (const char *key : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}) {
        const QJsonValue v = schema.value(QLatin1String(key));
        if (!v.isUndefined() && !v.isDouble())
            return path + u'.' + QLatin1String(key) + QStringLiteral(": must be a number");
    }
    for (const char *key : {"minLength", "maxLength", "minItems", "maxItems"}) {
        const QJsonValue v = schema.value(QLatin1String(key));
        if (!v.isUndefined() && (!matchesType(v, QStringLiteral("integer")) || v.toDouble() < 0))
            return path + u'.' + QLatin1String(key) + QStringLiteral(": must be a non-negative integer");
    }
    const QJsonValue pattern = schema.value(QLatin1String("pattern"));
    if (!pattern.isUndefined() && (!pattern.isString() || !QRegularExpression(pattern.toString()).isValid()))
        return path + QStringLiteral(".pattern: not a valid regular expression");
    const QJsonValue properties = schema.value(QLatin1String("properties"));
    if (!properties.isUndefined()) {
        if (!properties.isObject())
            return path + QStringLiteral(".properties: must be an object");
        const QJsonObject props = properties.toObject();
        for (auto it = props.constBegin(); it != props.constEnd(); ++it) {
            if (!it.value().isObject())
                return path + QStringLiteral(".properties.") + it.key() +
                       QStringLiteral(": must be a schema");
            if (QString problem =
                    schemaProblem(it.value().toObject(), path + QStringLiteral(".properties.") + it.key());
                !problem.isEmpty())
                return problem;
        }
    }
    const QJsonValue required = schema.value(QLatin1String("required"));
    if (!required.isUndefined()) {
        if (!required.isArray())
            return path + QStringLiteral(".required: must be an array of names");
        for (const QJsonValue &name : required.toArray()) {
            if (!name.isString())
                return path + QStringLiteral(".required: must be an array of names");
        }
    }
    const QJsonValue additional = schema.value(QLatin1String("additionalProperties"));
    if (!additional.isUndefined() && !additional.isBool() && !additional.isObject())
        return path + QStringLiteral(".additionalProperties: must be a boolean or a schema");
    if (additional.isObject()) {
        if (QString problem =
                schemaProblem(additional.toObject(), path + QStringLiteral(".additionalProperties"));
            !problem.isEmpty())
            return problem;
    }
    const QJsonValue items = schema.value(QLatin1String("items"));
    if (!items.isUndefined()) {
        if (!items.isObject())
            return path + QStringLiteral(".items: must be a schema");
        if (QString problem = schemaProblem(items.toObject(), path + QStringLiteral(".items"));
            !problem.isEmpty())
            return problem;
    }
    return {};
}

} // namespace

QString JsonSchema::typeName(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Bool:
        return QStringLiteral("boolean");
    case QJsonValue::Double:
        return matchesType(value, QStringLiteral("integer")) ? QStringLiteral("integer")
                                                             : QStringLiteral("number");
    case QJsonValue::String:
        return QStringLiteral("string");
    case QJsonValue::Array:
        return QStringLiteral("array");
    case QJsonValue::Object:
        return QStringLiteral("object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("undefined");
}

core::Status JsonSchema::checkSchema(const QJsonObject &schema)
{
    if (schema.value(QLatin1String("type")).toString() != QLatin1String("object"))
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("tool parameters must be a schema with \"type\": \"object\""));
    if (const QString problem = schemaProblem(schema, QStringLiteral("parameters")); !problem.isEmpty())
        return makeError(ErrorCode::InvalidArgument, QStringLiteral("invalid tool schema: ") + problem);
    return {};
}

core::Result<QJsonValue> JsonSchema::validate(const QJsonValue &value, const QJsonObject &schema)
{
    return validate(value, schema, schema, QStringLiteral("arguments"));
}

core::Result<QJsonValue> JsonSchema::validate(const QJsonValue &value, const QJsonObject &schema,
                                              const QJsonObject &root, const QString &rootName)
{
    Validator validator;
    validator.root = root;
    validator.rootName = rootName;
    QJsonValue checked = validator.check(value, schema, QString());
    if (validator.errors.isEmpty())
        return checked;
    return makeError(ErrorCode::InvalidArgument, validator.errors.join(QStringLiteral("; ")),
                     {{QStringLiteral("errors"), QJsonArray::fromStringList(validator.errors)}});
}

} // namespace agency::tools
