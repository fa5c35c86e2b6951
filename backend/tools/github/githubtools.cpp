#include "githubtools.h"

#include "core/text.h"

#include <QJsonArray>

namespace agency::tools {

core::Async<QJsonObject> GitHubTool::execute(const QJsonObject &arguments, const ToolContext &context,
                                             const core::CancelTokenPtr &cancel)
{
    const QString repository = arguments.value(QLatin1String("repository")).toString();
    if (arguments.contains(QLatin1String("repository")) && normalisedRepository(repository).isEmpty())
        return core::failedAsync<QJsonObject>(core::makeError(
            core::ErrorCode::InvalidArgument, QStringLiteral("repository: must be \"owner/name\"")));
    return m_spec.run(*m_client, context.tenantId, arguments, cancel);
}

QList<std::shared_ptr<Tool>> makeGitHubTools(const std::shared_ptr<GitHubClient> &client)
{
    QList<std::shared_ptr<Tool>> tools;
    for (GitHubToolSpec spec :
         {github::searchIssues(), github::getIssue(), github::listCommits(), github::getFile(),
          github::listWorkflowRuns(), github::createIssue(), github::comment()})
        tools.append(std::make_shared<GitHubTool>(std::move(spec), client));
    return tools;
}

namespace github {

QJsonObject repositoryProperty()
{
    return QJsonObject{
        {QStringLiteral("type"), QStringLiteral("string")},
        {QStringLiteral("pattern"), QStringLiteral("^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")},
        {QStringLiteral("maxLength"), 140},
        {QStringLiteral("description"),
         QStringLiteral("The repository as \"owner/name\", e.g. \"octocat/hello-world\"")}};
}

QJsonObject objectSchema(const QJsonObject &properties, const QStringList &required)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("object")},
                       {QStringLiteral("properties"), properties},
                       {QStringLiteral("required"), QJsonArray::fromStringList(required)},
                       {QStringLiteral("additionalProperties"), false}};
}

QJsonObject integerProperty(int minimum, int maximum, int fallback, const QString &description)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")},
                       {QStringLiteral("minimum"), minimum},
                       {QStringLiteral("maximum"), maximum},
                       {QStringLiteral("default"), fallback},
                       {QStringLiteral("description"), description}};
}

QJsonObject stringProperty(const QString &description, int maxLength)
{
    return QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                       {QStringLiteral("maxLength"), maxLength},
                       {QStringLiteral("description"), description}};
}

QString clip(const QString &text, qsizetype maxChars)
{
    if (text.size() <= maxChars)
        return text;
    return core::truncateGraphemes(text, maxChars - 1) + QChar(0x2026);
}

QString login(const QJsonValue &user)
{
    return user.toObject().value(QLatin1String("login")).toString();
}

} // namespace github

} // namespace agency::tools
