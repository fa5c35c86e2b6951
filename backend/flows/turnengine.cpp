#include "turnengine.h"

#include "turn.h"

namespace agency::flows {

TurnEngine::TurnEngine(TurnDependencies deps, QObject *parent) : QObject(parent), m_deps(std::move(deps)) {}

TurnEngine::~TurnEngine() = default;

core::Async<core::TurnResult> TurnEngine::run(const core::TurnRequest &request,
                                              core::TurnEventHandler onEvent)
{
    auto *turn = new Turn(m_deps, request, std::move(onEvent), this);
    return turn->start();
}

int TurnEngine::activeTurns() const
{
    return static_cast<int>(findChildren<Turn *>(Qt::FindDirectChildrenOnly).size());
}

} // namespace agency::flows
