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
/// Parses a conversation id; accepts the canonical form with or without braces.
Result<QUuid> parseConversationId(const QString &text);
/// Parses a run id given as text (canonical UUID, with or without braces); InvalidArgument naming
/// the field "run_id" otherwise.
Result<QUuid> parseRunId(const QString &text);

} // namespace agency::core
