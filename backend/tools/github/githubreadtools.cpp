// The read tools over issues, pull requests, commits and files (docs/design.md#flows-and-tools).
#include "githubtools.h"

#include "core/async/resultpromise.h"

#include <QJsonArray>

namespace agency::tools::github {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

constexpr qsizetype kBodyChars = 4000;
constexpr qsizetype kCommentChars = 1500;
constexpr qsizetype kFileChars = 30000;
constexpr int kMaxFiles = 100;

QJsonArray labelNames(const QJsonValue &labels)
{
    QJsonArray names;
    for (const QJsonValue &label : labels.toArray())
        names.append(label.toObject().value(QLatin1String("name")).toString());
    return names;
}

QString repositoryOfIssue(const QJsonObject &item)
{
    // ".../repos/owner/name" → "owner/name"
    const QString url = item.value(QLatin1String("repository_url")).toString();
    const QStringList parts = url.split(u'/');
    return parts.size() >= 2 ? parts.at(parts.size() - 2) + u'/' + parts.last() : QString();
}

QString path(const QString &repository, const QString &rest = {})
{
    return QStringLiteral("/repos/") + normalisedRepository(repository) + rest;
}

QJsonObject issueSummary(const QJsonObject &item)
{
    return QJsonObject{
        {QStringLiteral("repository"), repositoryOfIssue(item)},
        {QStringLiteral("number"), item.value(QLatin1String("number"))},
        {QStringLiteral("title"), clip(item.value(QLatin1String("title")).toString(), 300)},
        {QStringLiteral("kind"), item.contains(QLatin1String("pull_request")) ? QStringLiteral("pull_request")
                                                                              : QStringLiteral("issue")},
        {QStringLiteral("state"), item.value(QLatin1String("state"))},
        {QStringLiteral("author"), login(item.value(QLatin1String("user")))},
        {QStringLiteral("labels"), labelNames(item.value(QLatin1String("labels")))},
        {QStringLiteral("comments"), item.value(QLatin1String("comments"))},
        {QStringLiteral("created_at"), item.value(QLatin1String("created_at"))},
        {QStringLiteral("updated_at"), item.value(QLatin1String("updated_at"))},
        {QStringLiteral("url"), item.value(QLatin1String("html_url"))},
    };
}

} // namespace

GitHubToolSpec searchIssues()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_search_issues");
    spec.description = QStringLiteral(
        "Search GitHub issues and pull requests (GitHub search syntax, e.g. \"label:bug is:open\"), newest "
        "activity first; optionally within one repository.");
    spec.parameters = objectSchema(
        QJsonObject{
            {QStringLiteral("query"), stringProperty(QStringLiteral("Search terms and qualifiers"), 256)},
            {QStringLiteral("repository"), repositoryProperty()},
            {QStringLiteral("type"),
             QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                         {QStringLiteral("enum"),
                          QJsonArray{QStringLiteral("any"), QStringLiteral("issue"), QStringLiteral("pr")}},
                         {QStringLiteral("default"), QStringLiteral("any")}}},
            {QStringLiteral("state"),
             QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                         {QStringLiteral("enum"), QJsonArray{QStringLiteral("any"), QStringLiteral("open"),
                                                             QStringLiteral("closed")}},
                         {QStringLiteral("default"), QStringLiteral("any")}}},
            {QStringLiteral("limit"), integerProperty(1, 30, 10, QStringLiteral("How many results"))},
        },
        {QStringLiteral("query")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        QStringList terms{args.value(QLatin1String("query")).toString().simplified()};
        const QString repository = args.value(QLatin1String("repository")).toString();
        if (!repository.isEmpty())
            terms.append(QStringLiteral("repo:") + normalisedRepository(repository));
        const QString type = args.value(QLatin1String("type")).toString();
        if (type == QLatin1String("issue") || type == QLatin1String("pr"))
            terms.append(QStringLiteral("is:") + type);
        const QString state = args.value(QLatin1String("state")).toString();
        if (state == QLatin1String("open") || state == QLatin1String("closed"))
            terms.append(QStringLiteral("is:") + state);
        terms.removeAll(QString());
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("q"), terms.join(u' '));
        query.addQueryItem(QStringLiteral("sort"), QStringLiteral("updated"));
        query.addQueryItem(QStringLiteral("order"), QStringLiteral("desc"));
        query.addQueryItem(QStringLiteral("per_page"),
                           QString::number(args.value(QLatin1String("limit")).toInt(10)));
        return client.get(tenantId, QStringLiteral("/search/issues"), query, cancel)
            .then([](Result<QJsonValue> reply) -> Result<QJsonObject> {
                if (!reply)
                    return reply.error();
                const QJsonObject body = reply.value().toObject();
                QJsonArray items;
                for (const QJsonValue &item : body.value(QLatin1String("items")).toArray())
                    items.append(issueSummary(item.toObject()));
                return QJsonObject{{QStringLiteral("total_count"), body.value(QLatin1String("total_count"))},
                                   {QStringLiteral("items"), items}};
            });
    };
    return spec;
}

GitHubToolSpec getIssue()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_get_issue");
    spec.description = QStringLiteral(
        "Get one GitHub issue or pull request with its description and latest comments; for a pull request "
        "also its branches, merge state and changed files.");
    spec.parameters =
        objectSchema(QJsonObject{{QStringLiteral("repository"), repositoryProperty()},
                                 {QStringLiteral("number"),
                                  QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")},
                                              {QStringLiteral("minimum"), 1}}},
                                 {QStringLiteral("max_comments"),
                                  integerProperty(0, 50, 20, QStringLiteral("Latest comments to include"))}},
                     {QStringLiteral("repository"), QStringLiteral("number")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        const QString repository = normalisedRepository(args.value(QLatin1String("repository")).toString());
        const QString number = QString::number(args.value(QLatin1String("number")).toInteger());
        const int maxComments = args.value(QLatin1String("max_comments")).toInt(20);
        core::ResultPromise<QJsonObject> promise;
        auto result = std::make_shared<QJsonObject>();
        auto finishPull = [&client, tenantId, repository, number, cancel, promise, result]() {
            whenDone(
                client.get(tenantId, path(repository, QStringLiteral("/pulls/") + number), {}, cancel),
                &client,
                [&client, tenantId, repository, number, cancel, promise, result](Result<QJsonValue> pull) {
                    if (!pull)
                        return promise.finish(pull.error());
                    const QJsonObject pr = pull.value().toObject();
                    QJsonObject details{
                        {QStringLiteral("merged"), pr.value(QLatin1String("merged"))},
                        {QStringLiteral("draft"), pr.value(QLatin1String("draft"))},
                        {QStringLiteral("head"),
                         pr.value(QLatin1String("head")).toObject().value(QLatin1String("ref"))},
                        {QStringLiteral("base"),
                         pr.value(QLatin1String("base")).toObject().value(QLatin1String("ref"))},
                        {QStringLiteral("additions"), pr.value(QLatin1String("additions"))},
                        {QStringLiteral("deletions"), pr.value(QLatin1String("deletions"))},
                        {QStringLiteral("changed_files"), pr.value(QLatin1String("changed_files"))}};
                    QUrlQuery query;
                    query.addQueryItem(QStringLiteral("per_page"), QString::number(kMaxFiles));
                    whenDone(
                        client.get(tenantId, path(repository, QStringLiteral("/pulls/%1/files").arg(number)),
                                   query, cancel),
                        &client, [promise, result, details](Result<QJsonValue> files) mutable {
                            if (!files)
                                return promise.finish(files.error());
                            QJsonArray list;
                            for (const QJsonValue &f : files.value().toArray()) {
                                const QJsonObject file = f.toObject();
                                list.append(QJsonObject{
                                    {QStringLiteral("filename"), file.value(QLatin1String("filename"))},
                                    {QStringLiteral("status"), file.value(QLatin1String("status"))},
                                    {QStringLiteral("additions"), file.value(QLatin1String("additions"))},
                                    {QStringLiteral("deletions"), file.value(QLatin1String("deletions"))}});
                            }
                            details.insert(QStringLiteral("files"), list);
                            result->insert(QStringLiteral("pull_request"), details);
                            promise.finish(*result);
                        });
                });
        };
        whenDone(
            client.get(tenantId, path(repository, QStringLiteral("/issues/") + number), {}, cancel), &client,
            [&client, tenantId, repository, number, maxComments, cancel, promise, result,
             finishPull](Result<QJsonValue> issue) {
                if (!issue)
                    return promise.finish(issue.error());
                const QJsonObject item = issue.value().toObject();
                *result = issueSummary(item);
                result->insert(QStringLiteral("repository"), repository);
                result->insert(QStringLiteral("closed_at"), item.value(QLatin1String("closed_at")));
                result->insert(QStringLiteral("body"),
                               clip(item.value(QLatin1String("body")).toString(), kBodyChars));
                const bool isPull = item.contains(QLatin1String("pull_request"));
                QUrlQuery query;
                query.addQueryItem(QStringLiteral("per_page"), QStringLiteral("100"));
                whenDone(
                    client.get(tenantId, path(repository, QStringLiteral("/issues/%1/comments").arg(number)),
                               query, cancel),
                    &client, [promise, result, maxComments, isPull, finishPull](Result<QJsonValue> comments) {
                        if (!comments)
                            return promise.finish(comments.error());
                        const QJsonArray all = comments.value().toArray();
                        QJsonArray latest;
                        for (qsizetype i = std::max<qsizetype>(0, all.size() - maxComments); i < all.size();
                             ++i) {
                            const QJsonObject c = all.at(i).toObject();
                            latest.append(QJsonObject{
                                {QStringLiteral("author"), login(c.value(QLatin1String("user")))},
                                {QStringLiteral("created_at"), c.value(QLatin1String("created_at"))},
                                {QStringLiteral("body"),
                                 clip(c.value(QLatin1String("body")).toString(), kCommentChars)}});
                        }
                        result->insert(QStringLiteral("latest_comments"), latest);
                        if (isPull)
                            return finishPull();
                        promise.finish(*result);
                    });
            });
        return promise.future();
    };
    return spec;
}

GitHubToolSpec listCommits()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_list_commits");
    spec.description = QStringLiteral(
        "List recent commits of a GitHub repository, newest first, optionally since a date, on a branch or "
        "touching a path.");
    spec.parameters = objectSchema(
        QJsonObject{
            {QStringLiteral("repository"), repositoryProperty()},
            {QStringLiteral("since"),
             stringProperty(QStringLiteral("ISO 8601 date or time, e.g. 2026-01-05"), 40)},
            {QStringLiteral("until"), stringProperty(QStringLiteral("ISO 8601 date or time"), 40)},
            {QStringLiteral("branch"),
             stringProperty(QStringLiteral("Branch, tag or commit (default branch when absent)"))},
            {QStringLiteral("path"),
             stringProperty(QStringLiteral("Only commits touching this file or directory"), 500)},
            {QStringLiteral("limit"), integerProperty(1, 100, 20, QStringLiteral("How many commits"))}},
        {QStringLiteral("repository")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        const QString repository = normalisedRepository(args.value(QLatin1String("repository")).toString());
        QUrlQuery query;
        for (const auto &[argument, parameter] : {std::pair{"since", "since"}, std::pair{"until", "until"},
                                                  std::pair{"branch", "sha"}, std::pair{"path", "path"}}) {
            const QString value = args.value(QLatin1String(argument)).toString().trimmed();
            if (value.isEmpty())
                continue;
            // A bare date means its start (GitHub wants a timestamp).
            const bool date = QLatin1String(argument) == QLatin1String("since") ||
                              QLatin1String(argument) == QLatin1String("until");
            query.addQueryItem(QLatin1String(parameter),
                               date && value.size() == 10 ? value + QStringLiteral("T00:00:00Z") : value);
        }
        query.addQueryItem(QStringLiteral("per_page"),
                           QString::number(args.value(QLatin1String("limit")).toInt(20)));
        return client.get(tenantId, path(repository, QStringLiteral("/commits")), query, cancel)
            .then([repository](Result<QJsonValue> reply) -> Result<QJsonObject> {
                if (!reply)
                    return reply.error();
                QJsonArray commits;
                for (const QJsonValue &c : reply.value().toArray()) {
                    const QJsonObject item = c.toObject();
                    const QJsonObject commit = item.value(QLatin1String("commit")).toObject();
                    const QJsonObject author = commit.value(QLatin1String("author")).toObject();
                    const QString who = login(item.value(QLatin1String("author")));
                    commits.append(QJsonObject{
                        {QStringLiteral("sha"), item.value(QLatin1String("sha")).toString().left(12)},
                        {QStringLiteral("author"),
                         who.isEmpty() ? author.value(QLatin1String("name")).toString() : who},
                        {QStringLiteral("date"), author.value(QLatin1String("date"))},
                        {QStringLiteral("message"),
                         clip(commit.value(QLatin1String("message")).toString().section(u'\n', 0, 0), 200)},
                        {QStringLiteral("url"), item.value(QLatin1String("html_url"))}});
                }
                return QJsonObject{{QStringLiteral("repository"), repository},
                                   {QStringLiteral("count"), commits.size()},
                                   {QStringLiteral("commits"), commits}};
            });
    };
    return spec;
}

GitHubToolSpec getFile()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_get_file");
    spec.description = QStringLiteral(
        "Get a text file's contents from a GitHub repository (long files are cut), or list a directory.");
    spec.parameters = objectSchema(
        QJsonObject{{QStringLiteral("repository"), repositoryProperty()},
                    {QStringLiteral("path"),
                     stringProperty(QStringLiteral("Path in the repository, e.g. \"README.md\""), 500)},
                    {QStringLiteral("ref"),
                     stringProperty(QStringLiteral("Branch, tag or commit (default branch when absent)"))}},
        {QStringLiteral("repository"), QStringLiteral("path")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        const QString repository = normalisedRepository(args.value(QLatin1String("repository")).toString());
        QString filePath = args.value(QLatin1String("path")).toString().trimmed();
        while (filePath.startsWith(u'/'))
            filePath.remove(0, 1);
        if (filePath.split(u'/').contains(QStringLiteral("..")))
            return core::failedAsync<QJsonObject>(
                makeError(ErrorCode::InvalidArgument, QStringLiteral("path: must not contain \"..\"")));
        QUrlQuery query;
        const QString ref = args.value(QLatin1String("ref")).toString().trimmed();
        if (!ref.isEmpty())
            query.addQueryItem(QStringLiteral("ref"), ref);
        return client.get(tenantId, path(repository, QStringLiteral("/contents/") + filePath), query, cancel)
            .then([repository, filePath](Result<QJsonValue> reply) -> Result<QJsonObject> {
                if (!reply)
                    return reply.error();
                if (reply.value().isArray()) {
                    QJsonArray entries;
                    for (const QJsonValue &e : reply.value().toArray()) {
                        if (entries.size() >= 200)
                            break;
                        entries.append(
                            QJsonObject{{QStringLiteral("name"), e.toObject().value(QLatin1String("name"))},
                                        {QStringLiteral("type"), e.toObject().value(QLatin1String("type"))}});
                    }
                    return QJsonObject{{QStringLiteral("repository"), repository},
                                       {QStringLiteral("path"), filePath},
                                       {QStringLiteral("type"), QStringLiteral("dir")},
                                       {QStringLiteral("entries"), entries}};
                }
                const QJsonObject file = reply.value().toObject();
                if (file.value(QLatin1String("type")).toString() != QLatin1String("file"))
                    return makeError(ErrorCode::InvalidArgument,
                                     QStringLiteral("%1 is a %2, not a file")
                                         .arg(filePath, file.value(QLatin1String("type")).toString()));
                const QByteArray encoded = file.value(QLatin1String("content")).toString().toLatin1();
                if (encoded.isEmpty() && file.value(QLatin1String("size")).toInteger() > 0)
                    return makeError(
                        ErrorCode::PayloadTooLarge,
                        QStringLiteral("%1 is too large for GitHub to send its contents (%2 bytes)")
                            .arg(filePath)
                            .arg(file.value(QLatin1String("size")).toInteger()));
                const auto decoded = QByteArray::fromBase64Encoding(
                    QByteArray(encoded).replace('\n', QByteArray()), QByteArray::AbortOnBase64DecodingErrors);
                if (!decoded)
                    return makeError(ErrorCode::ProviderMalformed,
                                     QStringLiteral("GitHub sent unreadable contents for %1").arg(filePath));
                QJsonObject result{
                    {QStringLiteral("repository"), repository},
                    {QStringLiteral("path"), file.value(QLatin1String("path"))},
                    {QStringLiteral("type"), QStringLiteral("file")},
                    {QStringLiteral("size"), file.value(QLatin1String("size"))},
                    {QStringLiteral("sha"), file.value(QLatin1String("sha")).toString().left(12)}};
                if (decoded.decoded.contains('\0')) {
                    result.insert(QStringLiteral("binary"), true);
                    return result;
                }
                const QString text = QString::fromUtf8(decoded.decoded);
                result.insert(QStringLiteral("content"), clip(text, kFileChars));
                result.insert(QStringLiteral("truncated"), text.size() > kFileChars);
                return result;
            });
    };
    return spec;
}

} // namespace agency::tools::github
