#include "json.h"

#include <QJsonDocument>
#include <QJsonParseError>

namespace agency::core {

Result<QJsonObject> parseJsonObject(const QByteArray &bytes)
{
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        return makeError(ErrorCode::BadRequest, QStringLiteral("invalid JSON: ") + parseError.errorString(),
                         {{QStringLiteral("offset"), parseError.offset}});
    }
    if (!doc.isObject())
        return makeError(ErrorCode::BadRequest, QStringLiteral("expected a JSON object"));
    return doc.object();
}

QByteArray toCompactJson(const QJsonObject &obj)
{
    return QJsonDocument(obj).toJson(QJsonDocument::Compact);
}

QByteArray toCompactJson(const QJsonArray &array)
{
    return QJsonDocument(array).toJson(QJsonDocument::Compact);
}

QString toCompactJsonString(const QJsonObject &obj)
{
    return QString::fromUtf8(toCompactJson(obj));
}

} // namespace agency::core
