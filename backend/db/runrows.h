#pragma once

// Row reading shared by the two halves of the `runs` table's access: RunRepository (what tenants
// do with runs) and RunQueue (what workers do). Internal to the db layer.

#include "core/error.h"
#include "core/result.h"
#include "core/run.h"

#include <QSqlQuery>
#include <QString>
#include <QUuid>
#include <QVariant>

namespace agency::db::runrows {

/// The columns every statement on `runs r` returns, in the order readRun() reads them:
/// id, run_id, tenant_id, flow_type, input, provider, model, status, output, error, usage,
/// conversation_id, attempts, cancel requested, worker_id, created_at, started_at, finished_at,
/// heartbeat_at, created_at in epoch microseconds (for the keyset cursor, column kMicrosColumn).
extern const QString kRunColumns;
constexpr int kMicrosColumn = 19;

core::Run readRun(const QSqlQuery &q);
/// The one row a statement returned, `ifNone` when it returned none, or the statement's error.
core::Result<core::Run> singleRun(const core::Result<QSqlQuery *> &query, const core::Error &ifNone);

QString uuidText(const QUuid &id);
/// NULL for a null id.
QVariant nullableUuid(const QUuid &id);
/// InvalidArgument "field: message" with details.field.
core::Error invalid(const QString &field, const QString &message);
/// The stored form of a run's error: {"code", "message", "details"?}.
QString errorJson(const core::Error &error);
/// The ErrorCode whose errorCodeName() is `name`; Internal for an unknown name.
core::ErrorCode errorCodeFromName(const QString &name);

} // namespace agency::db::runrows
