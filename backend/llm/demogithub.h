#pragma once

#include "core/message.h"

#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

namespace agency::llm::demo {

/// How the offline demo provider drives the GitHub flows (docs/design.md#providers): the GitHub
/// read tools it would call for `userText`, each as (tool name, arguments), given the tools on
/// offer. Empty when the text names no repository ("owner/name") or no fitting tool is offered.
/// CI words ("failing", "build", "workflow") ask github_list_workflow_runs, "#12" or "issue 12"
/// github_get_issue, a file name github_get_file, "issues" or "pull requests"
/// github_search_issues, anything else (and "this week", "changed") github_list_commits; a weekly
/// report asks the commits and the workflow runs of each repository named (at most five). Pure.
QList<QPair<QString, QJsonObject>> gitHubCalls(const QString &userText, const QStringList &offeredTools);

/// A short report from the results of GitHub tools (`toolMessages`, in order), or empty when none
/// of them is a GitHub result. A failed call is relayed with its error (e.g. "connect a GitHub
/// token"). Pure.
QString gitHubSummary(const QList<core::ChatMessage> &toolMessages);

} // namespace agency::llm::demo
