#include "demogithub.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>

namespace agency::llm::demo {

namespace {

const QString kCommits = QStringLiteral("github_list_commits");
const QString kRuns = QStringLiteral("github_list_workflow_runs");
const QString kIssue = QStringLiteral("github_get_issue");
const QString kSearch = QStringLiteral("github_search_issues");
const QString kFile = QStringLiteral("github_get_file");
const QString kFileExtension =
    QStringLiteral("\\.(?:md|txt|json|ya?ml|toml|cfg|ini|cpp|h|c|py|js|ts|go|rs|java|rb|sh)");

QStringList repositories(const QString &text)
{
    static const QRegularExpression re(QStringLiteral(
        "(?<![\\w./-])([A-Za-z0-9][A-Za-z0-9-]{0,38})/([A-Za-z0-9_.-]*[A-Za-z0-9_-])(?![\\w/-])"));
    QStringList found;
    for (auto it = re.globalMatch(text); it.hasNext();) {
        const auto match = it.next();
        const QString owner = match.captured(1);
        bool digits = false;
        owner.toLongLong(&digits);
        const QString name = match.captured(0);
        if (digits || name.compare(QLatin1String("and/or"), Qt::CaseInsensitive) == 0 || found.contains(name))
            continue;
        found.append(name);
    }
    // "docs/setup.md from acme/shop": a path looks like a repository; when a plainer candidate
    // is there, names ending like files are paths (a lone "vercel/next.js" stays a repository).
    static const QRegularExpression fileLike(kFileExtension + QStringLiteral("$"));
    QStringList plain;
    for (const QString &name : found) {
        if (!fileLike.match(name).hasMatch())
            plain.append(name);
    }
    return (plain.isEmpty() ? found : plain).mid(0, 5);
}

bool has(const QString &text, const char *pattern)
{
    return QRegularExpression(QLatin1String(pattern), QRegularExpression::CaseInsensitiveOption)
        .match(text)
        .hasMatch();
}

QString clip(const QString &text, qsizetype max)
{
    const QString simple = text.simplified();
    return simple.size() <= max ? simple : simple.left(max - 1) + QChar(0x2026);
}

QString commitsText(const QJsonObject &r)
{
    const QJsonArray commits = r.value(QLatin1String("commits")).toArray();
    QString text = QStringLiteral("%1: %2 recent commit%3")
                       .arg(r.value(QLatin1String("repository")).toString())
                       .arg(commits.size())
                       .arg(commits.size() == 1 ? QString() : QStringLiteral("s"));
    QStringList lines;
    for (qsizetype i = 0; i < std::min<qsizetype>(commits.size(), 5); ++i) {
        const QJsonObject c = commits.at(i).toObject();
        lines.append(QStringLiteral("%1 \"%2\" (%3, %4)")
                         .arg(c.value(QLatin1String("sha")).toString().left(7),
                              clip(c.value(QLatin1String("message")).toString(), 80),
                              c.value(QLatin1String("author")).toString(),
                              c.value(QLatin1String("date")).toString().left(10)));
    }
    if (lines.isEmpty())
        return text + u'.';
    return text + QStringLiteral(": ") + lines.join(QStringLiteral("; ")) + u'.';
}

QString runsText(const QJsonObject &r)
{
    const QJsonArray runs = r.value(QLatin1String("runs")).toArray();
    QString text = QStringLiteral("%1: %2 recent workflow run%3")
                       .arg(r.value(QLatin1String("repository")).toString())
                       .arg(runs.size())
                       .arg(runs.size() == 1 ? QString() : QStringLiteral("s"));
    if (!runs.isEmpty()) {
        const QJsonObject latest = runs.first().toObject();
        const QString outcome = latest.value(QLatin1String("conclusion")).toString();
        text += QStringLiteral(", the latest (%1 on %2) %3")
                    .arg(latest.value(QLatin1String("workflow")).toString(),
                         latest.value(QLatin1String("branch")).toString(),
                         outcome.isEmpty() ? latest.value(QLatin1String("status")).toString() : outcome);
    }
    text += u'.';
    const QJsonObject failed = r.value(QLatin1String("failed_job")).toObject();
    if (!failed.isEmpty()) {
        QStringList steps;
        for (const QJsonValue &s : failed.value(QLatin1String("failed_steps")).toArray())
            steps.append(s.toString());
        text += QStringLiteral(" Failing: job \"%1\" of run %2")
                    .arg(failed.value(QLatin1String("job")).toString())
                    .arg(failed.value(QLatin1String("run_id")).toInteger());
        if (!steps.isEmpty())
            text += QStringLiteral(", step \"%1\"").arg(steps.join(QStringLiteral("\", \"")));
        const QStringList log =
            failed.value(QLatin1String("log_excerpt")).toString().split(u'\n', Qt::SkipEmptyParts);
        if (!log.isEmpty())
            text += QStringLiteral("; the log ends with \"%1\"").arg(clip(log.last(), 160));
        text += u'.';
    }
    return text;
}

QString issueText(const QJsonObject &r)
{
    const bool pull = r.value(QLatin1String("kind")).toString() == QLatin1String("pull_request");
    QString text = QStringLiteral("%1 #%2 (%3, %4): \"%5\" by %6")
                       .arg(r.value(QLatin1String("repository")).toString())
                       .arg(r.value(QLatin1String("number")).toInteger())
                       .arg(pull ? QStringLiteral("pull request") : QStringLiteral("issue"),
                            r.value(QLatin1String("state")).toString(),
                            clip(r.value(QLatin1String("title")).toString(), 120),
                            r.value(QLatin1String("author")).toString());
    text += u'.';
    const QJsonArray comments = r.value(QLatin1String("latest_comments")).toArray();
    if (!comments.isEmpty()) {
        const QJsonObject last = comments.last().toObject();
        text += QStringLiteral(" Latest comment, by %1: \"%2\".")
                    .arg(last.value(QLatin1String("author")).toString(),
                         clip(last.value(QLatin1String("body")).toString(), 200));
    }
    const QJsonObject pr = r.value(QLatin1String("pull_request")).toObject();
    if (!pr.isEmpty()) {
        QStringList files;
        for (const QJsonValue &f : pr.value(QLatin1String("files")).toArray())
            files.append(f.toObject().value(QLatin1String("filename")).toString());
        text +=
            QStringLiteral(" It merges %1 into %2%3 and changes %4.")
                .arg(pr.value(QLatin1String("head")).toString(), pr.value(QLatin1String("base")).toString(),
                     pr.value(QLatin1String("merged")).toBool() ? QStringLiteral(" (merged)") : QString(),
                     files.isEmpty() ? QStringLiteral("no files")
                                     : files.mid(0, 8).join(QStringLiteral(", ")));
    }
    return text;
}

QString searchText(const QJsonObject &r)
{
    const QJsonArray items = r.value(QLatin1String("items")).toArray();
    QStringList lines;
    for (qsizetype i = 0; i < std::min<qsizetype>(items.size(), 5); ++i) {
        const QJsonObject item = items.at(i).toObject();
        lines.append(QStringLiteral("%1 #%2 \"%3\" (%4)")
                         .arg(item.value(QLatin1String("repository")).toString())
                         .arg(item.value(QLatin1String("number")).toInteger())
                         .arg(clip(item.value(QLatin1String("title")).toString(), 80),
                              item.value(QLatin1String("state")).toString()));
    }
    return QStringLiteral("%1 matching issues and pull requests%2")
        .arg(r.value(QLatin1String("total_count")).toInteger())
        .arg(lines.isEmpty() ? QStringLiteral(".")
                             : QStringLiteral(", latest first: ") + lines.join(QStringLiteral("; ")) + u'.');
}

QString fileText(const QJsonObject &r)
{
    const QString where =
        r.value(QLatin1String("repository")).toString() + u' ' + r.value(QLatin1String("path")).toString();
    if (r.value(QLatin1String("type")).toString() == QLatin1String("dir")) {
        QStringList names;
        for (const QJsonValue &e : r.value(QLatin1String("entries")).toArray())
            names.append(e.toObject().value(QLatin1String("name")).toString());
        return QStringLiteral("%1 holds: %2.").arg(where, names.mid(0, 20).join(QStringLiteral(", ")));
    }
    if (r.value(QLatin1String("binary")).toBool())
        return QStringLiteral("%1 is a binary file (%2 bytes).")
            .arg(where)
            .arg(r.value(QLatin1String("size")).toInteger());
    return QStringLiteral("%1 (%2 bytes) begins: \"%3\"")
        .arg(where)
        .arg(r.value(QLatin1String("size")).toInteger())
        .arg(clip(r.value(QLatin1String("content")).toString(), 300));
}

/// The tool a result came from: its name, else its shape (a history may lose names).
QString kindOf(const core::ChatMessage &message, const QJsonObject &r)
{
    if (message.name.startsWith(QLatin1String("github_")))
        return message.name;
    if (!message.name.isEmpty())
        return {};
    if (r.contains(QLatin1String("commits")))
        return kCommits;
    if (r.contains(QLatin1String("runs")))
        return kRuns;
    if (r.contains(QLatin1String("latest_comments")))
        return kIssue;
    if (r.contains(QLatin1String("items")) && r.contains(QLatin1String("total_count")))
        return kSearch;
    return {};
}

} // namespace

QList<QPair<QString, QJsonObject>> gitHubCalls(const QString &userText, const QStringList &offeredTools)
{
    const QStringList repos = repositories(userText);
    if (repos.isEmpty())
        return {};
    auto offers = [&offeredTools](const QString &tool) { return offeredTools.contains(tool); };
    auto repo = [](const QString &name) { return QJsonObject{{QStringLiteral("repository"), name}}; };
    QList<QPair<QString, QJsonObject>> calls;
    if (has(userText, "\\b(weekly|report)\\b") && offers(kCommits) && offers(kRuns)) {
        for (const QString &name : repos) {
            calls.append({kCommits, repo(name)});
            calls.append({kRuns, repo(name)});
        }
        return calls;
    }
    static const QRegularExpression number(
        QStringLiteral("(?:#|\\b(?:issue|pr|pull request)\\s+#?)(\\d{1,9})\\b"),
        QRegularExpression::CaseInsensitiveOption);
    static const QRegularExpression file(QStringLiteral("(?<![\\w/])((?:[\\w.-]+/)*[\\w.-]+") +
                                         kFileExtension + QStringLiteral(")\\b"));
    QString tool = kCommits;
    QJsonObject args = repo(repos.first());
    if (has(userText, "\\b(fail\\w*|broken|ci|build|builds|workflows?|actions|runs?|red)\\b") &&
        offers(kRuns)) {
        tool = kRuns;
    } else if (const auto n = number.match(userText); n.hasMatch() && offers(kIssue)) {
        tool = kIssue;
        args.insert(QStringLiteral("number"), n.captured(1).toLongLong());
    } else if (const auto f = file.match(QString(userText).remove(repos.first()));
               f.hasMatch() && offers(kFile)) {
        tool = kFile;
        args.insert(QStringLiteral("path"), f.captured(1));
    } else if (has(userText, "\\b(issues?|pull requests?|prs?|bugs?)\\b") && offers(kSearch)) {
        tool = kSearch;
        args = QJsonObject{{QStringLiteral("query"), QStringLiteral("is:open")},
                           {QStringLiteral("repository"), repos.first()}};
    }
    if (!offers(tool))
        return {};
    for (const QString &name : repos) {
        QJsonObject each = args;
        each.insert(QStringLiteral("repository"), name);
        calls.append({tool, each});
        if (tool == kIssue || tool == kFile)
            break; // a number or a path belongs to the first repository named
    }
    return calls;
}

QString gitHubSummary(const QList<core::ChatMessage> &toolMessages)
{
    QStringList parts;
    bool any = false;
    for (const core::ChatMessage &message : toolMessages) {
        const QJsonObject r = QJsonDocument::fromJson(message.content.toUtf8()).object();
        const QString kind = kindOf(message, r);
        if (kind.isEmpty())
            continue;
        any = true;
        if (!r.value(QLatin1String("success")).toBool(true)) {
            const QString error = r.value(QLatin1String("error")).toString();
            const QString sentence = QStringLiteral("I could not reach GitHub: %1")
                                         .arg(error.isEmpty() ? QStringLiteral("the tool failed") : error);
            if (!parts.contains(sentence))
                parts.append(sentence);
            continue;
        }
        if (kind == kCommits)
            parts.append(commitsText(r));
        else if (kind == kRuns)
            parts.append(runsText(r));
        else if (kind == kIssue)
            parts.append(issueText(r));
        else if (kind == kSearch)
            parts.append(searchText(r));
        else if (kind == kFile)
            parts.append(fileText(r));
        else if (r.contains(QLatin1String("comment_id")))
            parts.append(QStringLiteral("Commented on #%1: %2")
                             .arg(r.value(QLatin1String("number")).toInteger())
                             .arg(r.value(QLatin1String("url")).toString()));
        else
            parts.append(QStringLiteral("Created issue #%1: %2")
                             .arg(r.value(QLatin1String("number")).toInteger())
                             .arg(r.value(QLatin1String("url")).toString()));
    }
    return any ? parts.join(u'\n') : QString();
}

} // namespace agency::llm::demo
