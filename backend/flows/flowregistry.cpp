#include "flowregistry.h"

#include "core/json.h"

#include <QDir>
#include <QFile>
#include <QStandardPaths>

namespace agency::flows {

QString FlowRegistry::defaultUserDirectory()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/aiagency/flows");
}

FlowRegistry FlowRegistry::load(const QStringList &userDirectories, const QStringList &knownTools)
{
    FlowRegistry registry;
    registry.loadDirectory(QStringLiteral(":/flows"), knownTools);
    for (const QString &dir : userDirectories)
        registry.loadDirectory(dir, knownTools);
    return registry;
}

void FlowRegistry::loadDirectory(const QString &dirPath, const QStringList &knownTools)
{
    const QDir dir(dirPath);
    if (!dir.exists())
        return;
    for (const QString &name : dir.entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
        const QString path = dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) {
            m_problems.append({path, file.errorString()});
            continue;
        }
        auto json = core::parseJsonObject(file.readAll());
        if (!json) {
            m_problems.append({path, json.error().message});
            continue;
        }
        auto flow = parseFlowDefinition(json.value(), path);
        if (!flow) {
            // The message starts with the path already; a problem keeps path and reason apart.
            m_problems.append({path, flow.error().details.value(QStringLiteral("reason")).toString()});
            continue;
        }
        QStringList unknown;
        for (const QString &tool : flow->tools) {
            if (!knownTools.isEmpty() && !knownTools.contains(tool))
                unknown.append(tool);
        }
        if (!unknown.isEmpty()) {
            m_problems.append(
                {path, QStringLiteral("unknown tool(s): %1").arg(unknown.join(QStringLiteral(", ")))});
            continue;
        }
        m_flows.insert(flow->flowType, flow.value());
    }
}

void FlowRegistry::insert(core::FlowDefinition flow)
{
    m_flows.insert(flow.flowType, std::move(flow));
}

std::optional<core::FlowDefinition> FlowRegistry::find(const QString &flowType) const
{
    const auto it = m_flows.constFind(flowType);
    if (it == m_flows.cend())
        return std::nullopt;
    return *it;
}

QList<core::FlowDefinition> FlowRegistry::flows() const
{
    QList<core::FlowDefinition> list = m_flows.values();
    std::sort(list.begin(), list.end(), [](const core::FlowDefinition &a, const core::FlowDefinition &b) {
        return a.flowType < b.flowType;
    });
    return list;
}

} // namespace agency::flows
