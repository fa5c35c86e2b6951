#include "httperror.h"

#include "retrypolicy.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace agency::llm {

using core::ErrorCode;

QByteArray headerValue(const RawHeaders &headers, const QByteArray &name)
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

namespace {

QString messageFromObject(const QJsonObject &obj)
{
    const QJsonValue error = obj.value(QStringLiteral("error"));
    if (error.isObject()) {
        const QString message = error.toObject().value(QStringLiteral("message")).toString();
        if (!message.isEmpty())
            return message;
    }
    if (error.isString()) {
        const QString description = obj.value(QStringLiteral("error_description")).toString();
        return description.isEmpty() ? error.toString()
                                     : error.toString() + QStringLiteral(": ") + description;
    }
    const QJsonValue message = obj.value(QStringLiteral("message"));
    if (message.isString() && !message.toString().isEmpty())
        return message.toString();
    if (message.isObject()) { // Mistral wraps validation details: {"message": {"detail": [...]}}
        const QString inner = messageFromObject(message.toObject());
        if (!inner.isEmpty())
            return inner;
    }
    const QJsonValue detail = obj.value(QStringLiteral("detail"));
    if (detail.isString())
        return detail.toString();
    if (detail.isArray()) {
        // FastAPI-style validation details (Mistral 422): [{"loc": [...], "msg": "..."}].
        QStringList parts;
        for (const QJsonValue &item : detail.toArray()) {
            const QJsonObject o = item.toObject();
            QStringList loc;
            for (const QJsonValue &l : o.value(QStringLiteral("loc")).toArray())
                loc.append(l.isString() ? l.toString() : QString::number(l.toInteger()));
            const QString msg = o.value(QStringLiteral("msg")).toString();
            parts.append(loc.isEmpty() ? msg : loc.join(u'.') + QStringLiteral(": ") + msg);
        }
        if (!parts.isEmpty())
            return parts.join(QStringLiteral("; "));
    }
    return {};
}

} // namespace

QString providerErrorMessage(const QByteArray &body)
{
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    QString message;
    if (doc.isObject())
        message = messageFromObject(doc.object());
    else if (doc.isArray() && !doc.array().isEmpty())
        message = messageFromObject(doc.array().first().toObject());
    if (message.isEmpty())
        message = QString::fromUtf8(body.left(400)).simplified();
    return message;
}

core::Error classifyHttpError(const QString &who, int status, const RawHeaders &headers,
                              const QByteArray &body, const QDateTime &now)
{
    const QString providerMessage = providerErrorMessage(body);
    QJsonObject details{{QStringLiteral("http_status"), status}};
    if (!providerMessage.isEmpty())
        details.insert(QStringLiteral("provider_message"), providerMessage);
    auto sentence = [&](const QString &what) {
        QString text = who + QStringLiteral(": ") + what + QStringLiteral(" (HTTP %1)").arg(status);
        if (!providerMessage.isEmpty())
            text += QStringLiteral(": ") + providerMessage;
        return text;
    };
    if (status == 401 || status == 403)
        return core::makeError(ErrorCode::ProviderUnauthorized,
                               sentence(QStringLiteral("credentials rejected")), details);
    if (status == 408)
        return core::makeError(ErrorCode::ProviderTimeout, sentence(QStringLiteral("request timed out")),
                               details);
    if (status == 429) {
        std::optional<qint64> retryAfter;
        const QByteArray ms = headerValue(headers, "retry-after-ms");
        bool ok = false;
        if (const double v = ms.trimmed().toDouble(&ok); ok && v >= 0)
            retryAfter = static_cast<qint64>(v);
        if (!retryAfter)
            retryAfter = RetryPolicy::parseRetryAfter(headerValue(headers, "retry-after"), now);
        if (retryAfter)
            details.insert(QStringLiteral("retry_after_ms"), static_cast<double>(*retryAfter));
        return core::makeError(ErrorCode::ProviderRateLimited, sentence(QStringLiteral("rate limited")),
                               details);
    }
    if (status >= 500)
        return core::makeError(ErrorCode::ProviderUnavailable, sentence(QStringLiteral("server error")),
                               details);
    if (status >= 300 && status < 400)
        return core::makeError(ErrorCode::ProviderBadRequest,
                               sentence(QStringLiteral("unexpected redirect to ") +
                                        QString::fromUtf8(headerValue(headers, "location"))),
                               details);
    return core::makeError(ErrorCode::ProviderBadRequest, sentence(QStringLiteral("request rejected")),
                           details);
}

} // namespace agency::llm
