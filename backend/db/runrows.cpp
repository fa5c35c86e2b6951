#include "runrows.h"

#include "core/json.h"
#include "rowmapping.h"

namespace agency::db::runrows {

using core::ErrorCode;
using core::makeError;

const QString kRunColumns = QStringLiteral(
    "r.id, r.run_id, r.tenant_id, r.flow_type, r.input, r.provider, r.model, r.status, r.output, "
    "r.error::text, r.usage::text, r.conversation_id, r.attempts, r.cancel_requested_at IS NOT NULL, "
    "r.worker_id, r.created_at, r.started_at, r.finished_at, r.heartbeat_at, "
    "(extract(epoch FROM r.created_at) * 1000000)::bigint");

QString uuidText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

QVariant nullableUuid(const QUuid &id)
{
    return id.isNull() ? QVariant() : QVariant(uuidText(id));
}

core::Error invalid(const QString &field, const QString &message)
{
    return makeError(ErrorCode::InvalidArgument, field + QStringLiteral(": ") + message,
                     {{QStringLiteral("field"), field}});
}

QString errorJson(const core::Error &error)
{
    QJsonObject json{{QStringLiteral("code"), error.codeName()}, {QStringLiteral("message"), error.message}};
    if (!error.details.isEmpty())
        json.insert(QStringLiteral("details"), error.details);
    return core::toCompactJsonString(json);
}

core::ErrorCode errorCodeFromName(const QString &name)
{
    for (int i = 0; i <= static_cast<int>(ErrorCode::Internal); ++i) {
        const auto code = static_cast<ErrorCode>(i);
        if (core::errorCodeName(code) == name)
            return code;
    }
    return ErrorCode::Internal;
}

core::Run readRun(const QSqlQuery &q)
{
    core::Run r;
    r.id = q.value(0).toLongLong();
    r.runId = QUuid::fromString(q.value(1).toString());
    r.tenantId = q.value(2).toString();
    r.flowType = q.value(3).toString();
    r.input = q.value(4).toString();
    r.provider = q.value(5).toString();
    r.model = q.value(6).toString();
    r.status = core::runStatusFromName(q.value(7).toString()).value_or(core::RunStatus::Failed);
    r.output = q.value(8).toString();
    if (!q.value(9).isNull()) {
        const QJsonObject e = rows::parseObject(q.value(9));
        r.error = makeError(errorCodeFromName(e.value(QStringLiteral("code")).toString()),
                            e.value(QStringLiteral("message")).toString(),
                            e.value(QStringLiteral("details")).toObject());
    }
    if (!q.value(10).isNull()) {
        const QJsonObject u = rows::parseObject(q.value(10));
        r.usage.promptTokens = u.value(QStringLiteral("prompt_tokens")).toInteger();
        r.usage.completionTokens = u.value(QStringLiteral("completion_tokens")).toInteger();
        r.usage.totalTokens = u.value(QStringLiteral("total_tokens")).toInteger();
    }
    if (!q.value(11).isNull())
        r.conversationId = QUuid::fromString(q.value(11).toString());
    r.attempts = q.value(12).toInt();
    r.cancelRequested = q.value(13).toBool();
    r.workerId = q.value(14).toString();
    r.createdAt = rows::readTimestamp(q.value(15));
    r.startedAt = rows::readTimestamp(q.value(16));
    r.finishedAt = rows::readTimestamp(q.value(17));
    r.heartbeatAt = rows::readTimestamp(q.value(18));
    return r;
}

core::Result<core::Run> singleRun(const core::Result<QSqlQuery *> &query, const core::Error &ifNone)
{
    if (!query)
        return query.error();
    if (!query.value()->next())
        return ifNone;
    return readRun(*query.value());
}

} // namespace agency::db::runrows
