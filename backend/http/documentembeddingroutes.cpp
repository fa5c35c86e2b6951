// POST /v1/embeddings: OpenAI's CreateEmbeddingRequest answered with the tenant's embedding model
// (docs/design.md#openai-compat), so OpenAI clients can embed with the same keys. Errors in
// OpenAI's shape.
#include "documentschemas.h"
#include "httpserver/errorbody.h"
#include "openaicompat.h"
#include "requestparsing.h"
#include "routes.h"
#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QtEndian>

namespace agency::http {

namespace {

constexpr int kMaxInputs = 2048; // OpenAI's own limit per request

core::Error invalid(const QString &field, const QString &message)
{
    return core::makeError(core::ErrorCode::InvalidArgument, field + QStringLiteral(": ") + message,
                           {{QStringLiteral("field"), field}});
}

httpserver::RenderedError renderError(const core::Error &error)
{
    httpserver::RenderedError rendered;
    rendered.status = error.code == core::ErrorCode::Cancelled ? httpserver::statusForError(error)
                                                               : openai::statusFor(error);
    rendered.body = QJsonDocument(openai::errorObject(error)).toJson(QJsonDocument::Compact);
    rendered.headers = httpserver::rateLimitHeaders(error);
    return rendered;
}

core::Result<QStringList> readInput(const QJsonValue &input)
{
    const QString tokens = QStringLiteral("token arrays are not supported here: send the text");
    if (input.isString()) {
        if (input.toString().isEmpty())
            return invalid(QStringLiteral("input"), QStringLiteral("must not be empty"));
        return QStringList{input.toString()};
    }
    if (!input.isArray())
        return invalid(QStringLiteral("input"), QStringLiteral("must be a string or an array of strings"));
    const QJsonArray items = input.toArray();
    if (items.isEmpty() || items.size() > kMaxInputs)
        return invalid(QStringLiteral("input"), QStringLiteral("must hold 1 to %1 strings").arg(kMaxInputs));
    QStringList texts;
    for (const QJsonValue &item : items) {
        if (item.isDouble() || item.isArray())
            return invalid(QStringLiteral("input"), tokens);
        if (!item.isString() || item.toString().isEmpty())
            return invalid(QStringLiteral("input"), QStringLiteral("every item must be a non-empty string"));
        texts.append(item.toString());
    }
    return texts;
}

QJsonValue encode(const QVector<float> &vector, bool base64)
{
    if (!base64) {
        QJsonArray values;
        for (float v : vector)
            values.append(double(v));
        return values;
    }
    // OpenAI's base64: the little-endian float32 bytes.
    QByteArray bytes(vector.size() * qsizetype(sizeof(float)), Qt::Uninitialized);
    for (qsizetype i = 0; i < vector.size(); ++i)
        qToLittleEndian<float>(vector.at(i), bytes.data() + i * qsizetype(sizeof(float)));
    return QString::fromLatin1(bytes.toBase64());
}

void embeddings(RouteContext &ctx, const CallPtr &call)
{
    auto body = call->jsonBody();
    if (!proceed(call, body) ||
        !proceed(call, onlyKnownFields(body.value(), {QStringLiteral("input"), QStringLiteral("model"),
                                                      QStringLiteral("encoding_format"),
                                                      QStringLiteral("dimensions"), QStringLiteral("user")})))
        return;
    auto texts = readInput(body->value(QStringLiteral("input")));
    auto model = requiredString(body.value(), QStringLiteral("model"));
    auto user = optionalString(body.value(), QStringLiteral("user"));
    if (!proceed(call, texts) || !proceed(call, model) || !proceed(call, user))
        return;
    const QString format = body->value(QStringLiteral("encoding_format")).toString(QStringLiteral("float"));
    if (format != QLatin1String("float") && format != QLatin1String("base64"))
        return call->sendError(
            invalid(QStringLiteral("encoding_format"), QStringLiteral("must be float or base64")));
    std::optional<int> dimensions;
    if (body->contains(QStringLiteral("dimensions"))) {
        const QJsonValue d = body->value(QStringLiteral("dimensions"));
        if (!d.isDouble() || d.toDouble() != double(d.toInt()) || d.toInt() < 1)
            return call->sendError(
                invalid(QStringLiteral("dimensions"), QStringLiteral("must be a positive whole number")));
        dimensions = d.toInt();
    }
    // The body first, as for chat completions: a malformed request is told so whoever sends it.
    auto tenant = scopeTenant(*call, QString::fromUtf8(call->header(QByteArrayLiteral("X-Tenant-Id"))));
    if (!proceed(call, tenant))
        return;
    call->setLogTenant(tenant.value());
    const bool base64 = format == QLatin1String("base64");
    ctx.then(call, ctx.service().embedTexts(tenant.value(), texts.value(), model.value()),
             [call, base64, dimensions](const core::TextEmbeddings &result) {
                 QJsonArray data;
                 for (qsizetype i = 0; i < result.vectors.size(); ++i) {
                     const QVector<float> &vector = result.vectors.at(i);
                     // Shortening would change what the vectors mean: only the model's own size is served.
                     if (dimensions && vector.size() != *dimensions) {
                         return call->sendError(invalid(
                             QStringLiteral("dimensions"),
                             QStringLiteral("%1 gives %2 dimensions and cannot shorten them; omit dimensions")
                                 .arg(result.model)
                                 .arg(vector.size())));
                     }
                     data.append(QJsonObject{{QStringLiteral("object"), QStringLiteral("embedding")},
                                             {QStringLiteral("index"), int(i)},
                                             {QStringLiteral("embedding"), encode(vector, base64)}});
                 }
                 call->sendJson(
                     200, QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                                      {QStringLiteral("data"), data},
                                      {QStringLiteral("model"), result.model},
                                      {QStringLiteral("usage"),
                                       QJsonObject{{QStringLiteral("prompt_tokens"), result.promptTokens},
                                                   {QStringLiteral("total_tokens"), result.promptTokens}}}});
             });
}

} // namespace

void registerEmbeddingRoutes(Router &router, RouteContext &ctx)
{
    router.add({"POST", QStringLiteral("/v1/embeddings"), Access::Member,
                [&ctx](const CallPtr &c) { embeddings(ctx, c); }, embeddingsOperation(), renderError});
}

} // namespace agency::http
