#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QStringList>

namespace agency::test {

/// A small JSON Schema validator for tests: the subset the providers' published request schemas
/// use (draft 2020-12 and OpenAPI 3.0 flavours): $ref to local definitions, type (also arrays of
/// types), nullable, enum, const, properties, required, additionalProperties (boolean or schema),
/// items, allOf / anyOf / oneOf, min/max for numbers, strings and arrays. Annotation keywords
/// (description, format, discriminator, deprecated…) are ignored.
class JsonSchemaValidator
{
public:
    explicit JsonSchemaValidator(QJsonObject root) : m_root(std::move(root)) {}

    /// Errors as "path: problem"; empty when `value` is valid against the root schema.
    QStringList validate(const QJsonValue &value) const;

private:
    void check(const QJsonValue &value, const QJsonValue &schema, const QString &path, QStringList &errors,
               int depth) const;
    QJsonValue resolve(const QString &ref) const;

    QJsonObject m_root;
};

} // namespace agency::test
