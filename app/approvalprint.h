#pragma once

// How the CLI shows approvals (`aiagency approvals`, the prompt of `chat --interactive`).

#include "core/turnvalues.h"

#include <QString>

namespace agency::app {

QString compactJson(const QJsonObject &object);
/// Several lines: id, status, tool, the exact arguments, who decided, the result once run.
QString describeApproval(const core::ToolApproval &approval);
/// What a conversation's continued turn ended with: its answer, or the calls that wait again.
QString describeContinuation(const core::TurnResult &turn);

} // namespace agency::app
