#pragma once

#include "result.h"

#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>

namespace agency::core {

/// Parses a JSON object; a parse error or a non-object top level becomes BadRequest with the
/// parser's message and offset in details.
Result<QJsonObject> parseJsonObject(const QByteArray &bytes);

/// Compact UTF-8 serialisation (what we send on the wire and bind as ::jsonb).
QByteArray toCompactJson(const QJsonObject &obj);
QByteArray toCompactJson(const QJsonArray &array);
QString toCompactJsonString(const QJsonObject &obj);

} // namespace agency::core
