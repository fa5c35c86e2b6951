// The write tools: each call waits for a person's approval (Tool::requiresApproval) before it
// runs (docs/design.md#flows-and-tools).
#include "githubtools.h"

#include <QJsonArray>

namespace agency::tools::github {

using core::Result;

GitHubToolSpec createIssue()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_create_issue");
    spec.description =
        QStringLiteral("Create an issue in a GitHub repository (a person approves it before it is sent).");
    spec.writes = true;
    spec.parameters = objectSchema(
        QJsonObject{{QStringLiteral("repository"), repositoryProperty()},
                    {QStringLiteral("title"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                          {QStringLiteral("minLength"), 1},
                                                          {QStringLiteral("maxLength"), 256}}},
                    {QStringLiteral("body"),
                     QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                 {QStringLiteral("maxLength"), 20000},
                                 {QStringLiteral("description"), QStringLiteral("Markdown")}}},
                    {QStringLiteral("labels"),
                     QJsonObject{{QStringLiteral("type"), QStringLiteral("array")},
                                 {QStringLiteral("maxItems"), 10},
                                 {QStringLiteral("items"),
                                  QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                              {QStringLiteral("maxLength"), 50}}}}}},
        {QStringLiteral("repository"), QStringLiteral("title")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        const QString repository = normalisedRepository(args.value(QLatin1String("repository")).toString());
        QJsonObject body{{QStringLiteral("title"), args.value(QLatin1String("title")).toString()}};
        if (args.contains(QLatin1String("body")))
            body.insert(QStringLiteral("body"), args.value(QLatin1String("body")).toString());
        if (!args.value(QLatin1String("labels")).toArray().isEmpty())
            body.insert(QStringLiteral("labels"), args.value(QLatin1String("labels")));
        return client
            .call(tenantId, "POST", QStringLiteral("/repos/%1/issues").arg(repository), {}, body, cancel)
            .then([repository](Result<QJsonValue> reply) -> Result<QJsonObject> {
                if (!reply)
                    return reply.error();
                const QJsonObject issue = reply.value().toObject();
                return QJsonObject{{QStringLiteral("repository"), repository},
                                   {QStringLiteral("number"), issue.value(QLatin1String("number"))},
                                   {QStringLiteral("title"), issue.value(QLatin1String("title"))},
                                   {QStringLiteral("url"), issue.value(QLatin1String("html_url"))}};
            });
    };
    return spec;
}

GitHubToolSpec comment()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_comment");
    spec.description =
        QStringLiteral("Comment on a GitHub issue or pull request (a person approves it before it is sent).");
    spec.writes = true;
    spec.parameters =
        objectSchema(QJsonObject{{QStringLiteral("repository"), repositoryProperty()},
                                 {QStringLiteral("number"),
                                  QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")},
                                              {QStringLiteral("minimum"), 1}}},
                                 {QStringLiteral("body"),
                                  QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                              {QStringLiteral("minLength"), 1},
                                              {QStringLiteral("maxLength"), 20000},
                                              {QStringLiteral("description"), QStringLiteral("Markdown")}}}},
                     {QStringLiteral("repository"), QStringLiteral("number"), QStringLiteral("body")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        const QString repository = normalisedRepository(args.value(QLatin1String("repository")).toString());
        const qint64 number = args.value(QLatin1String("number")).toInteger();
        return client
            .call(tenantId, "POST",
                  QStringLiteral("/repos/%1/issues/%2/comments").arg(repository).arg(number), {},
                  QJsonObject{{QStringLiteral("body"), args.value(QLatin1String("body")).toString()}}, cancel)
            .then([repository, number](Result<QJsonValue> reply) -> Result<QJsonObject> {
                if (!reply)
                    return reply.error();
                const QJsonObject comment = reply.value().toObject();
                return QJsonObject{{QStringLiteral("repository"), repository},
                                   {QStringLiteral("number"), number},
                                   {QStringLiteral("comment_id"), comment.value(QLatin1String("id"))},
                                   {QStringLiteral("url"), comment.value(QLatin1String("html_url"))}};
            });
    };
    return spec;
}

} // namespace agency::tools::github
