#include "protocol.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonParseError>

#include <cmath>

namespace agency::mcp {

namespace {

const QString kJsonRpc = QStringLiteral("2.0");

Message invalid(std::optional<RequestId> id, const QString &why)
{
    return Message::errorFor(std::move(id), errorcode::invalidRequest,
                             QStringLiteral("Invalid Request: ") + why);
}

ParsedMessage failed(Message error)
{
    ParsedMessage parsed;
    parsed.error = std::move(error);
    return parsed;
}

} // namespace

QStringList knownProtocolVersions()
{
    return {kProtocol20251125, kProtocol20260728};
}

std::optional<RequestId> RequestId::fromJson(const QJsonValue &value)
{
    if (value.isString())
        return RequestId(value.toString());
    if (value.isDouble()) {
        const double d = value.toDouble();
        // JSON-RPC allows fractional ids but discourages them; MCP's schema says integer.
        if (std::isfinite(d) && std::floor(d) == d && std::fabs(d) <= 9007199254740991.0)
            return RequestId(static_cast<qint64>(d));
    }
    return std::nullopt;
}

QJsonValue RequestId::toJson() const
{
    if (isString())
        return std::get<1>(m_value);
    return static_cast<double>(std::get<0>(m_value));
}

QString RequestId::key() const
{
    if (isString())
        return u'"' + std::get<1>(m_value) + u'"';
    return QString::number(std::get<0>(m_value));
}

Message Message::request(RequestId id, QString method, QJsonObject params)
{
    Message m;
    m.kind = Kind::Request;
    m.id = std::move(id);
    m.method = std::move(method);
    m.params = std::move(params);
    return m;
}

Message Message::notification(QString method, QJsonObject params)
{
    Message m;
    m.kind = Kind::Notification;
    m.method = std::move(method);
    m.params = std::move(params);
    return m;
}

Message Message::resultFor(RequestId id, QJsonObject result)
{
    Message m;
    m.kind = Kind::Result;
    m.id = std::move(id);
    m.result = std::move(result);
    return m;
}

Message Message::errorFor(std::optional<RequestId> id, int code, QString message, QJsonValue data)
{
    Message m;
    m.kind = Kind::Error;
    m.id = std::move(id);
    m.errorCode = code;
    m.errorMessage = std::move(message);
    m.errorData = std::move(data);
    return m;
}

QJsonObject Message::toJson() const
{
    QJsonObject json{{QStringLiteral("jsonrpc"), kJsonRpc}};
    switch (kind) {
    case Kind::Request:
        // Requests always carry params: 2026-07-28 requires them (for `_meta`), and every
        // earlier revision accepts an empty object.
        json.insert(QStringLiteral("id"), id ? id->toJson() : QJsonValue(0));
        json.insert(QStringLiteral("method"), method);
        json.insert(QStringLiteral("params"), params);
        break;
    case Kind::Notification:
        json.insert(QStringLiteral("method"), method);
        if (!params.isEmpty())
            json.insert(QStringLiteral("params"), params);
        break;
    case Kind::Result:
        json.insert(QStringLiteral("id"), id ? id->toJson() : QJsonValue(0));
        json.insert(QStringLiteral("result"), result);
        break;
    case Kind::Error: {
        // JSON-RPC answers an unreadable id with null.
        json.insert(QStringLiteral("id"), id ? id->toJson() : QJsonValue(QJsonValue::Null));
        QJsonObject error{{QStringLiteral("code"), errorCode}, {QStringLiteral("message"), errorMessage}};
        if (!errorData.isUndefined())
            error.insert(QStringLiteral("data"), errorData);
        json.insert(QStringLiteral("error"), error);
        break;
    }
    }
    return json;
}

QByteArray Message::toBytes() const
{
    return QJsonDocument(toJson()).toJson(QJsonDocument::Compact);
}

ParsedMessage parseMessage(const QByteArray &bytes)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError) {
        // QJsonDocument reads objects and arrays only: a lone scalar is JSON, just not a message.
        if (QJsonDocument::fromJson('[' + bytes + ']').array().size() == 1)
            return failed(invalid(std::nullopt, QStringLiteral("a message must be a JSON object")));
        return failed(Message::errorFor(
            std::nullopt, errorcode::parseError,
            QStringLiteral("Parse error: %1 at offset %2").arg(error.errorString()).arg(error.offset)));
    }
    return parseMessage(doc.isArray() ? QJsonValue(doc.array()) : QJsonValue(doc.object()));
}

ParsedMessage parseMessage(const QJsonValue &json)
{
    if (json.isArray())
        return failed(invalid(std::nullopt, QStringLiteral("batches are not supported")));
    if (!json.isObject())
        return failed(invalid(std::nullopt, QStringLiteral("a message must be a JSON object")));
    const QJsonObject object = json.toObject();
    const QJsonValue idValue = object.value(QLatin1String("id"));
    const std::optional<RequestId> id = RequestId::fromJson(idValue);
    if (object.value(QLatin1String("jsonrpc")).toString() != kJsonRpc)
        return failed(invalid(id, QStringLiteral("\"jsonrpc\" must be \"2.0\"")));
    if (!idValue.isUndefined() && !idValue.isNull() && !id)
        return failed(invalid(std::nullopt, QStringLiteral("\"id\" must be a string or an integer")));

    const QJsonValue methodValue = object.value(QLatin1String("method"));
    const bool hasResult = object.contains(QLatin1String("result"));
    const bool hasError = object.contains(QLatin1String("error"));
    ParsedMessage parsed;
    if (!methodValue.isUndefined()) {
        if (hasResult || hasError)
            return failed(invalid(id, QStringLiteral("a request cannot carry \"result\" or \"error\"")));
        if (!methodValue.isString() || methodValue.toString().isEmpty())
            return failed(invalid(id, QStringLiteral("\"method\" must be a non-empty string")));
        const QJsonValue params = object.value(QLatin1String("params"));
        if (!params.isUndefined() && !params.isObject())
            return failed(invalid(id, QStringLiteral("\"params\" must be an object")));
        if (idValue.isNull())
            return failed(invalid(std::nullopt, QStringLiteral("a request id must not be null")));
        parsed.message = id ? Message::request(*id, methodValue.toString(), params.toObject())
                            : Message::notification(methodValue.toString(), params.toObject());
        return parsed;
    }
    if (hasResult == hasError)
        return failed(invalid(id, QStringLiteral("a message needs \"method\", \"result\" or \"error\"")));
    if (hasResult) {
        if (!id)
            return failed(invalid(std::nullopt, QStringLiteral("a result needs the id of its request")));
        const QJsonValue result = object.value(QLatin1String("result"));
        if (!result.isObject())
            return failed(invalid(id, QStringLiteral("\"result\" must be an object")));
        parsed.message = Message::resultFor(*id, result.toObject());
        return parsed;
    }
    const QJsonObject error = object.value(QLatin1String("error")).toObject();
    const QJsonValue code = error.value(QLatin1String("code"));
    if (!code.isDouble() || std::floor(code.toDouble()) != code.toDouble() ||
        !error.value(QLatin1String("message")).isString())
        return failed(invalid(id, QStringLiteral("\"error\" needs an integer code and a message")));
    parsed.message = Message::errorFor(id, code.toInt(), error.value(QLatin1String("message")).toString(),
                                       error.value(QLatin1String("data")));
    return parsed;
}

QString negotiateVersion(const QString &requested, const QStringList &supported)
{
    if (supported.contains(requested))
        return requested;
    return supported.isEmpty() ? QString() : supported.last();
}

} // namespace agency::mcp
