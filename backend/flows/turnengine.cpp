#include "turnengine.h"

#include "llm/router.h"
#include "turn.h"

namespace agency::flows {

TurnEngine::TurnEngine(TurnDependencies deps, QObject *parent) : QObject(parent), m_deps(std::move(deps))
{
    if (!m_deps.router) {
        m_ownRouter = std::make_unique<llm::Router>(m_deps.providers, nullptr, llm::CapabilityTable());
        m_deps.router = m_ownRouter.get();
    }
}

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
