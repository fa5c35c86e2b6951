#pragma once

#include "githubclient.h"
#include "tools/tool.h"

#include <functional>
#include <memory>

namespace agency::tools {

/// One GitHub tool: its name, description, schema, whether it writes, and what it does with
/// the client (docs/design.md#flows-and-tools).
struct GitHubToolSpec
{
    using Run = std::function<core::Async<QJsonObject>(GitHubClient &client, const QString &tenantId,
                                                       const QJsonObject &arguments,
                                                       const core::CancelTokenPtr &cancel)>;
    QString name;
    QString description;
    QJsonObject parameters;
    bool writes = false; ///< a write waits for a person's approval
    Run run;
};

/// A Tool over a GitHubToolSpec; the tenant of the turn is the one whose credentials are used.
/// Results are trimmed to what a model needs (bounded lists and texts) and never carry a token.
class GitHubTool final : public Tool
{
public:
    GitHubTool(GitHubToolSpec spec, std::shared_ptr<GitHubClient> client)
        : m_spec(std::move(spec)), m_client(std::move(client))
    {
    }

    QString name() const override { return m_spec.name; }
    QString description() const override { return m_spec.description; }
    QJsonObject parameters() const override { return m_spec.parameters; }
    bool requiresApproval() const override { return m_spec.writes; }
    core::Async<QJsonObject> execute(const QJsonObject &arguments, const ToolContext &context,
                                     const core::CancelTokenPtr &cancel) override;

private:
    GitHubToolSpec m_spec;
    std::shared_ptr<GitHubClient> m_client; ///< shared by the GitHub tools
};

/// Every GitHub tool: github_search_issues, github_get_issue, github_list_commits,
/// github_get_file, github_list_workflow_runs, and the writes github_create_issue and
/// github_comment, sharing `client`.
QList<std::shared_ptr<Tool>> makeGitHubTools(const std::shared_ptr<GitHubClient> &client);

namespace github {
// The specs, by file (githubreadtools.cpp, githubactionstools.cpp, githubwritetools.cpp).
GitHubToolSpec searchIssues();
GitHubToolSpec getIssue();
GitHubToolSpec listCommits();
GitHubToolSpec getFile();
GitHubToolSpec listWorkflowRuns();
GitHubToolSpec createIssue();
GitHubToolSpec comment();

// Shared by the specs.
QJsonObject repositoryProperty();
QJsonObject objectSchema(const QJsonObject &properties, const QStringList &required);
QJsonObject integerProperty(int minimum, int maximum, int fallback, const QString &description);
QJsonObject stringProperty(const QString &description, int maxLength = 256);
QString clip(const QString &text, qsizetype maxChars);
QString login(const QJsonValue &user);
/// Calls `next` on `context`'s thread with the finished `future`'s result.
template <typename T, typename Next> void whenDone(core::Async<T> future, QObject *context, Next next)
{
    future.then(context, std::move(next));
}
} // namespace github

} // namespace agency::tools
