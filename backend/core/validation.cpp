#include "validation.h"

#include "core/json.h"
#include "core/limits.h"
#include "core/text.h"

#include <QRegularExpression>

namespace agency::core {

namespace {
Error invalid(const QString &field, const QString &message)
{
    return makeError(ErrorCode::InvalidArgument, field + QStringLiteral(": ") + message,
                     {{QStringLiteral("field"), field}});
}
} // namespace

Status validateTenantId(const QString &tenantId)
{
    static const QRegularExpression pattern(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"));
    if (tenantId.isEmpty())
        return invalid(QStringLiteral("tenant_id"), QStringLiteral("must not be empty"));
    if (!pattern.match(tenantId).hasMatch()) {
        return invalid(
            QStringLiteral("tenant_id"),
            QStringLiteral("must be 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit"));
    }
    return {};
}

Status validateFlowType(const QString &flowType)
{
    static const QRegularExpression pattern(QStringLiteral("^[a-z0-9][a-z0-9_-]{0,63}$"));
    if (flowType.isEmpty())
        return invalid(QStringLiteral("flow_type"), QStringLiteral("must not be empty"));
    if (!pattern.match(flowType).hasMatch()) {
        return invalid(QStringLiteral("flow_type"),
                       QStringLiteral("must be 1-64 lower-case letters, digits, '_' or '-'"));
    }
    return {};
}

Status validateTitle(const QString &title)
{
    if (title.size() > limits::kMaxTitleChars)
        return invalid(QStringLiteral("title"),
                       QStringLiteral("longer than %1 characters").arg(limits::kMaxTitleChars));
    if (title.contains(QChar(0)))
        return invalid(QStringLiteral("title"), QStringLiteral("must not contain NUL characters"));
    return {};
}

Status validateContent(const QString &content)
{
    if (content.size() > limits::kMaxContentChars) {
        return makeError(ErrorCode::PayloadTooLarge,
                         QStringLiteral("content: longer than %1 characters").arg(limits::kMaxContentChars),
                         {{QStringLiteral("field"), QStringLiteral("content")},
                          {QStringLiteral("limit"), limits::kMaxContentChars}});
    }
    if (content.contains(QChar(0)))
        return invalid(QStringLiteral("content"), QStringLiteral("must not contain NUL characters"));
    return {};
}

Status validateMetadata(const QJsonObject &metadata, const QString &field)
{
    if (toCompactJson(metadata).size() > limits::kMaxMetadataBytes) {
        return makeError(ErrorCode::PayloadTooLarge,
                         QStringLiteral("%1: larger than %2 bytes").arg(field).arg(limits::kMaxMetadataBytes),
                         {{QStringLiteral("field"), field}});
    }
    return {};
}

Status validateLimit(int limit, int max, const QString &field)
{
    if (limit < 1 || limit > max)
        return invalid(field, QStringLiteral("must be between 1 and %1").arg(max));
    return {};
}

Result<Role> parseRole(const QString &text)
{
    if (auto role = roleFromName(text))
        return *role;
    return invalid(QStringLiteral("role"), QStringLiteral("must be one of system, user, assistant, tool"));
}

bool isCanonicalUuid(const QString &text)
{
    if (text.size() != 36)
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        const bool dashHere = i == 8 || i == 13 || i == 18 || i == 23;
        const bool hexDigit =
            (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
        if (dashHere ? c != u'-' : !hexDigit)
            return false;
    }
    return true;
}

Result<QUuid> parseUuid(const QString &text, const QString &field)
{
    QString id = text.trimmed();
    if (id.size() == 38 && id.startsWith(u'{') && id.endsWith(u'}'))
        id = id.mid(1, 36);
    const QUuid uuid = isCanonicalUuid(id) ? QUuid::fromString(id) : QUuid();
    if (uuid.isNull())
        return invalid(field, uuidRule() + QStringLiteral(", e.g. 123e4567-e89b-12d3-a456-426614174000"));
    return uuid;
}

Result<QUuid> parseConversationId(const QString &text)
{
    return parseUuid(text, QStringLiteral("conversation_id"));
}

Result<QUuid> parseRunId(const QString &text)
{
    return parseUuid(text, QStringLiteral("run_id"));
}

} // namespace agency::core
