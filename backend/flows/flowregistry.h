#pragma once

#include "flowparser.h"

#include <QHash>
#include <QList>

#include <optional>

namespace agency::flows {

/// The flows a program knows: built-ins from resources (:/flows/*.json) overlaid by user files
/// (<config dir>/aiagency/flows/*.json; a user file may replace a built-in of the same
/// flow_type). A broken file is reported in problems() with its path and reason, and skipped.
/// Immutable after load(); safe to read from any thread.
class FlowRegistry
{
public:
    struct Problem
    {
        QString source;
        QString reason;
    };

    /// Loads built-ins, then each directory in order. `knownTools` (if non-empty) rejects flows
    /// naming a tool that does not exist.
    static FlowRegistry load(const QStringList &userDirectories, const QStringList &knownTools = {});
    static QString defaultUserDirectory();

    /// Adds or replaces one flow (tests, embedding).
    void insert(core::FlowDefinition flow);

    std::optional<core::FlowDefinition> find(const QString &flowType) const;
    /// All flows sorted by flow_type.
    QList<core::FlowDefinition> flows() const;
    const QList<Problem> &problems() const { return m_problems; }

private:
    void loadDirectory(const QString &dir, const QStringList &knownTools);

    QHash<QString, core::FlowDefinition> m_flows;
    QList<Problem> m_problems;
};

} // namespace agency::flows
