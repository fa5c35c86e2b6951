#include "schemaexample.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <cmath>

namespace agency::llm {

namespace {

QString firstType(const QJsonObject &schema)
{
    const QJsonValue type = schema.value(QStringLiteral("type"));
    if (type.isString())
        return type.toString();
    // ["string", "null"]: the first non-null type gives the richer example.
    QString chosen;
    for (const QJsonValue &t : type.toArray()) {
        if (t.toString() != QLatin1String("null"))
            return t.toString();
        chosen = t.toString();
    }
    if (!chosen.isEmpty())
        return chosen;
    if (schema.contains(QStringLiteral("properties")))
        return QStringLiteral("object");
    if (schema.contains(QStringLiteral("items")))
        return QStringLiteral("array");
    return QStringLiteral("string");
}

QJsonValue numberExample(const QJsonObject &schema, bool integer)
{
    double value = 0;
    const QJsonValue minimum = schema.value(QStringLiteral("minimum"));
    const QJsonValue exclusive = schema.value(QStringLiteral("exclusiveMinimum"));
    const QJsonValue maximum = schema.value(QStringLiteral("maximum"));
    if (minimum.isDouble())
        value = minimum.toDouble();
    if (exclusive.isDouble() && value <= exclusive.toDouble())
        value = integer ? std::floor(exclusive.toDouble()) + 1 : exclusive.toDouble() + 0.5;
    if (!minimum.isDouble() && !exclusive.isDouble() && maximum.isDouble() && maximum.toDouble() < 0)
        value = maximum.toDouble();
    if (integer)
        return static_cast<qint64>(std::ceil(value));
    return value;
}

QJsonValue stringExample(const QJsonObject &schema, const QString &text)
{
    QString value = text;
    const int maxLength = schema.value(QStringLiteral("maxLength")).toInt(-1);
    const int minLength = schema.value(QStringLiteral("minLength")).toInt(0);
    if (maxLength >= 0 && value.size() > maxLength)
        value.truncate(maxLength);
    while (value.size() < minLength)
        value.append(QLatin1Char('.'));
    return value;
}

} // namespace

QJsonValue exampleForSchema(const QJsonObject &schema, const QString &text)
{
    if (schema.contains(QStringLiteral("const")))
        return schema.value(QStringLiteral("const"));
    const QJsonArray values = schema.value(QStringLiteral("enum")).toArray();
    if (!values.isEmpty())
        return values.first();
    if (schema.contains(QStringLiteral("default")))
        return schema.value(QStringLiteral("default"));
    const QString type = firstType(schema);
    if (type == QLatin1String("object")) {
        QJsonObject object;
        const QJsonObject properties = schema.value(QStringLiteral("properties")).toObject();
        // Every property, so an answer shows the whole shape; the text goes in each string.
        for (auto it = properties.begin(); it != properties.end(); ++it)
            object.insert(it.key(), exampleForSchema(it.value().toObject(), text));
        return object;
    }
    if (type == QLatin1String("array")) {
        QJsonArray array;
        const int count = std::max(schema.value(QStringLiteral("minItems")).toInt(0), 0);
        const QJsonObject items = schema.value(QStringLiteral("items")).toObject();
        for (int i = 0; i < count; ++i)
            array.append(exampleForSchema(items, text));
        return array;
    }
    if (type == QLatin1String("integer") || type == QLatin1String("number"))
        return numberExample(schema, type == QLatin1String("integer"));
    if (type == QLatin1String("boolean"))
        return false;
    if (type == QLatin1String("null"))
        return QJsonValue::Null;
    return stringExample(schema, text);
}

QString formatAnswer(const core::ResponseFormat &format, const QString &text)
{
    QJsonValue value;
    switch (format.kind) {
    case core::ResponseFormat::Kind::Text:
        return text;
    case core::ResponseFormat::Kind::JsonObject:
        value = QJsonObject{{QStringLiteral("answer"), text}};
        break;
    case core::ResponseFormat::Kind::JsonSchema:
        value = exampleForSchema(format.schema, text);
        break;
    }
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    // A scalar root: QJsonDocument prints only containers.
    const QByteArray wrapped = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return QString::fromUtf8(wrapped.mid(1, wrapped.size() - 2));
}

} // namespace agency::llm
