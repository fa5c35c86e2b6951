#include "turnengine.h"

#include "turn.h"

#include "config/settings.h"

namespace agency::flows {

core::Result<TurnOptions> TurnOptions::fromSettings(const config::Settings &settings)
{
    const auto read = [&settings](const char *key, qint64 low, qint64 high) -> core::Result<int> {
        const QString name = QLatin1String(key);
        auto value = settings.intValue(name);
        if (!value)
            return value.error();
        if (value.value() < low || value.value() > high) {
            return core::makeError(
                core::ErrorCode::InvalidArgument,
                QStringLiteral("%1: must be between %2 and %3").arg(name).arg(low).arg(high));
        }
        return static_cast<int>(value.value());
    };
    auto lease = read("AGENCY_TURN_LEASE_S", 2, 3600);
    auto wait = read("AGENCY_TURN_WAIT_MS", 0, 600'000);
    auto retry = read("AGENCY_DB_RETRY_MS", 0, 600'000);
    auto statement = read("AGENCY_DB_STATEMENT_TIMEOUT_MS", 0, 3'600'000);
    auto connect = read("AGENCY_DB_CONNECT_TIMEOUT_S", 2, 600);
    for (const auto *r : {&lease, &wait, &retry, &statement, &connect}) {
        if (!*r)
            return r->error();
    }
    TurnOptions options;
    options.leaseMs = lease.value() * 1000;
    options.waitForTurnMs = wait.value();
    options.dbRetryMs = retry.value();
    // A step may wait for a connection (connect timeout) and then a statement (statement
    // timeout, enforced by the executor even when the server hangs); a little on top for both.
    const int statementMs = statement.value() > 0 ? statement.value() : 60'000;
    options.dbStepTimeoutMs = statementMs + connect.value() * 1000 + 2000;
    return options;
}

TurnEngine::TurnEngine(TurnDependencies deps, QObject *parent) : QObject(parent), m_deps(std::move(deps)) {}

TurnEngine::~TurnEngine() = default;

core::Async<core::TurnResult> TurnEngine::run(const core::TurnRequest &request,
                                              core::TurnEventHandler onEvent)
{
    auto *turn = new Turn(m_deps, request, std::move(onEvent), this);
    return turn->start();
}

ProviderChoice chooseProvider(const QList<ProviderChoice::Level> &levels)
{
    ProviderChoice choice;
    for (const ProviderChoice::Level &level : levels) {
        if (!level.provider.trimmed().isEmpty()) {
            choice.provider = level.provider.trimmed().toLower();
            break;
        }
    }
    for (const ProviderChoice::Level &level : levels) {
        const QString provider = level.provider.trimmed().toLower();
        const bool sameProvider = provider.isEmpty() || provider == choice.provider;
        if (!level.model.isEmpty() && sameProvider) {
            choice.model = level.model;
            break;
        }
    }
    return choice;
}

int TurnEngine::activeTurns() const
{
    return static_cast<int>(findChildren<Turn *>(Qt::FindDirectChildrenOnly).size());
}

} // namespace agency::flows
