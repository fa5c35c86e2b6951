#pragma once

#include "core/result.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace agency::tools {

/// Validates tool arguments against the JSON Schema subset tool definitions use:
/// `type` (object, string, number, integer, boolean, array, null, or an array of them), `enum`,
/// `const`, `properties`, `required`, `additionalProperties` (false or a schema), `default`
/// (filled in for absent properties), `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, `minLength`, `maxLength`, `pattern`, `items`, `minItems`, `maxItems`,
/// `allOf`, `anyOf`, `oneOf` and local `$ref`s ("#/$defs/Name", any JSON pointer into the
/// document), so whole published schema documents (MCP's) validate too. Annotation keywords (description,
/// title, examples, …) are ignored.
///
/// Messages name the offending path and say what is expected, e.g.
/// "units: must be one of metric, imperial, standard" or "location: is required", so a model can
/// correct its call. Pure functions; thread-safe.
class JsonSchema
{
public:
    /// Checks that `schema` is a usable tool parameter schema: an object schema built only from
    /// well-formed supported keywords. InvalidArgument naming the bad keyword otherwise.
    static core::Status checkSchema(const QJsonObject &schema);

    /// Validates `value`. On success returns it with `default`s filled in. On failure returns
    /// InvalidArgument whose message lists every problem found ("; "-separated, at most 10) and
    /// whose details hold {"errors": [...]}.
    static core::Result<QJsonValue> validate(const QJsonValue &value, const QJsonObject &schema);
    /// The same with `schema` a node of the document `root` its `$ref`s point into; messages
    /// call the value `rootName` ("message: …") rather than "arguments".
    static core::Result<QJsonValue> validate(const QJsonValue &value, const QJsonObject &schema,
                                             const QJsonObject &root, const QString &rootName);

    /// A short JSON type name of a value ("string", "integer", "number", "object", …).
    static QString typeName(const QJsonValue &value);
};

} // namespace agency::tools
