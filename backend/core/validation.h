#pragma once

#include "core/message.h"
#include "core/result.h"

#include <QJsonObject>
#include <QString>
#include <QUuid>

namespace agency::core {

/// Input checks of the domain, shared by the service and the repositories, so bad input is a
/// clear validation error naming the field and never reaches SQL. Each returns InvalidArgument
/// (or PayloadTooLarge) with details {"field": name}; the limits are in core/limits.h.
Status validateTenantId(const QString &tenantId);
Status validateFlowType(const QString &flowType);
Status validateTitle(const QString &title);
Status validateContent(const QString &content);
Status validateMetadata(const QJsonObject &metadata, const QString &field);
Status validateLimit(int limit, int max, const QString &field);
/// Parses a role name ("system", "user", "assistant", "tool").
Result<Role> parseRole(const QString &text);
/// True for a UUID in its 36-character form (hex digits, dashes at 8, 13, 18 and 23), nothing
/// around it.
bool isCanonicalUuid(const QString &text);
/// Parses an id a person typed or pasted: the 36-character form, optionally in braces, spaces
/// around it ignored. Anything else — a character after it included, which QUuid::fromString
/// alone ignores — is InvalidArgument naming `field`.
Result<QUuid> parseUuid(const QString &text, const QString &field);
/// parseUuid naming the field "conversation_id".
Result<QUuid> parseConversationId(const QString &text);
/// parseUuid naming the field "run_id".
Result<QUuid> parseRunId(const QString &text);

} // namespace agency::core
