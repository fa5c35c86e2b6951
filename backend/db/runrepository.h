#pragma once

#include "core/async/future.h"
#include "core/error.h"
#include "core/message.h"
#include "core/run.h"
#include "records.h"

#include <QDateTime>
#include <QList>
#include <QString>
#include <QUuid>

#include <optional>

namespace agency::sql {
class DbExecutor;
}

namespace agency::db {

/// What a caller asks to run.
struct NewRun
{
    QString tenantId;
    QString flowType;
    QString input;
    QString provider; ///< empty: the flow's provider, else the configured default
    QString model;    ///< empty: the flow's model, else the provider's default
};

/// A tenant's runs, newest first, optionally only one status.
struct RunQuery
{
    QString tenantId;
    std::optional<core::RunStatus> status;
    int limit = 50;
    QString cursor; ///< from a previous page's nextCursor
};

/// What tenants do with runs (the `runs` table, migrations/0004_runs.sql): queue one, read it,
/// cancel it, list them. Every method is scoped to one tenant: another tenant's run behaves
/// exactly like one that does not exist. Executing runs is the workers' side: RunQueue.
///
/// Inputs are validated before any SQL runs (InvalidArgument/PayloadTooLarge naming the field).
/// Thread-safe; futures finish on executor threads, so attach continuations with a context object.
class RunRepository
{
public:
    explicit RunRepository(sql::DbExecutor &executor) : m_executor(executor) {}

    /// Queues a run (creating the tenant row on first use). Validates tenant, flow type (format
    /// only: the service checks the flow exists), input (non-empty, at most the message limit),
    /// provider and model names.
    core::Async<core::Run> create(const NewRun &run);
    /// NotFound when absent or another tenant's.
    core::Async<core::Run> get(const QString &tenantId, const QUuid &runId);
    /// A queued run is cancelled at once; a running run is marked cancel-requested (its worker
    /// cancels the turn and then marks it cancelled) and returned still `running`; asking again is
    /// harmless. A finished run: Conflict (details: status). NotFound when absent or another tenant's.
    core::Async<core::Run> cancel(const QString &tenantId, const QUuid &runId);
    /// Keyset-paginated, newest first.
    core::Async<core::Page<core::Run>> list(const RunQuery &query);

private:
    sql::DbExecutor &m_executor;
};

} // namespace agency::db
