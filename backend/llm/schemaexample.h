#pragma once

#include "core/responseformat.h"

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace agency::llm {

/// A JSON value valid against `schema` (the subset tool and answer schemas use: type, enum,
/// const, default, properties, required, items, min/max lengths, items and bounds), built
/// deterministically: strings carry `text` (cut or padded to the length limits), numbers sit at
/// their lower bound or 0, booleans are false, arrays have their minimum number of items. How
/// the offline demo provider answers a JSON schema. Pure.
QJsonValue exampleForSchema(const QJsonObject &schema, const QString &text);

/// `text` as the response format asks: unchanged for Text, {"answer": text} for JsonObject,
/// exampleForSchema() for JsonSchema. Compact JSON.
QString formatAnswer(const core::ResponseFormat &format, const QString &text);

} // namespace agency::llm
