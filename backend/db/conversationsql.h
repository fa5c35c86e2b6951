#pragma once

// Internal to the conversation repository's source files (conversationrepository.cpp and
// conversationturns.cpp): shared checks and statement builders. Not part of the db API.

#include "core/result.h"
#include "records.h"

#include <QVariantList>

namespace agency::db::conversationsql {

core::Error notFound(const QUuid &id);
QString uuidText(const QUuid &id);
/// Commit-group ordering (DbExecutor::runGrouped): a tenant's row ("t/") sorts before its
/// conversations' rows ("t/<uuid>"), so every group takes these locks in one global order.
QString lockKey(const QString &tenantId, const QUuid &conversationId = {});
core::Status validateScope(const QString &tenantId, const QUuid &conversationId);
core::Status validateNewMessage(const NewMessage &message);

struct Statement
{
    QString sql;
    QVariantList binds;
};

/// The one statement that appends `messages` to a conversation: bumps the conversation (tenant
/// scoped; with `write`, only while that turn holds the lease, renewing or releasing it) and
/// inserts the messages with the conversation's new activity time, stamped with the turn id, and
/// the write's usage row (TurnWrite::usage) when it has one.
/// Returns the stored rows in order; none when the conversation (or the lease) is not there.
/// Validates first.
core::Result<Statement> appendMessages(const QString &tenantId, const QUuid &conversationId,
                                       const QList<NewMessage> &messages, const TurnWrite *write);

} // namespace agency::db::conversationsql
