#pragma once

#include "core/flowdefinition.h"
#include "core/result.h"

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

namespace agency::flows {

/// Parses and validates a definition; InvalidArgument naming the field otherwise.
core::Result<core::FlowDefinition> parseFlowDefinition(const QJsonObject &json, const QString &source);

} // namespace agency::flows
