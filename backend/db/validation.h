#pragma once

#include "core/message.h"
#include "core/result.h"

#include <QJsonObject>
#include <QString>
#include <QUuid>

namespace agency::db {

/// Input checks shared by the repositories, so bad input is a clear validation error naming the
/// field and never reaches SQL. Each returns InvalidArgument (or PayloadTooLarge) with
/// details {"field": name}.
core::Status validateTenantId(const QString &tenantId);
core::Status validateFlowType(const QString &flowType);
core::Status validateTitle(const QString &title);
core::Status validateContent(const QString &content);
core::Status validateMetadata(const QJsonObject &metadata, const QString &field);
core::Status validateLimit(int limit, int max, const QString &field);
/// Parses a role name ("system", "user", "assistant", "tool").
core::Result<core::Role> parseRole(const QString &text);
/// Parses a conversation id; accepts the canonical form with or without braces.
core::Result<QUuid> parseConversationId(const QString &text);

/// Opaque keyset cursor: a (microsecond timestamp, row id) pair, base64url-encoded.
struct Cursor
{
    qint64 micros = 0;
    qint64 id = 0;
};
QString encodeCursor(const Cursor &cursor);
core::Result<Cursor> decodeCursor(const QString &text);

} // namespace agency::db
