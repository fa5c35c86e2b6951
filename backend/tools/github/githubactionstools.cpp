// github_list_workflow_runs: recent GitHub Actions runs and the failed job's log excerpt
// (docs/design.md#flows-and-tools).
#include "githubtools.h"

#include "core/async/resultpromise.h"

#include <QJsonArray>
#include <QRegularExpression>

namespace agency::tools::github {

using core::Result;

namespace {

constexpr qint64 kLogTailBytes = 64 * 1024;
constexpr qsizetype kLineChars = 400;

bool failed(const QJsonObject &item)
{
    const QString conclusion = item.value(QLatin1String("conclusion")).toString();
    return conclusion == QLatin1String("failure") || conclusion == QLatin1String("timed_out");
}

/// The last `lines` lines of a job log, without the timestamp GitHub puts in front of each.
QString excerpt(const QByteArray &log, int lines)
{
    static const QRegularExpression stamp(QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z "));
    QStringList all = QString::fromUtf8(log).split(u'\n');
    while (!all.isEmpty() && all.last().trimmed().isEmpty())
        all.removeLast();
    QStringList tail = all.mid(std::max<qsizetype>(0, all.size() - lines));
    for (QString &line : tail) {
        line.remove(stamp);
        line.remove(u'\r');
        line = clip(line, kLineChars);
    }
    return tail.join(u'\n');
}

QJsonObject runSummary(const QJsonObject &run)
{
    return QJsonObject{
        {QStringLiteral("id"), run.value(QLatin1String("id"))},
        {QStringLiteral("workflow"), run.value(QLatin1String("name"))},
        {QStringLiteral("title"), clip(run.value(QLatin1String("display_title")).toString(), 200)},
        {QStringLiteral("branch"), run.value(QLatin1String("head_branch"))},
        {QStringLiteral("event"), run.value(QLatin1String("event"))},
        {QStringLiteral("status"), run.value(QLatin1String("status"))},
        {QStringLiteral("conclusion"), run.value(QLatin1String("conclusion"))},
        {QStringLiteral("sha"), run.value(QLatin1String("head_sha")).toString().left(12)},
        {QStringLiteral("created_at"), run.value(QLatin1String("created_at"))},
        {QStringLiteral("url"), run.value(QLatin1String("html_url"))}};
}

} // namespace

GitHubToolSpec listWorkflowRuns()
{
    GitHubToolSpec spec;
    spec.name = QStringLiteral("github_list_workflow_runs");
    spec.description = QStringLiteral(
        "List recent GitHub Actions workflow runs of a repository (newest first) and, for the latest failed "
        "run, which job and steps failed with the last lines of that job's log.");
    spec.parameters = objectSchema(
        QJsonObject{
            {QStringLiteral("repository"), repositoryProperty()},
            {QStringLiteral("branch"), stringProperty(QStringLiteral("Only runs of this branch"))},
            {QStringLiteral("status"),
             QJsonObject{
                 {QStringLiteral("type"), QStringLiteral("string")},
                 {QStringLiteral("enum"),
                  QJsonArray{QStringLiteral("completed"), QStringLiteral("in_progress"),
                             QStringLiteral("queued"), QStringLiteral("success"), QStringLiteral("failure")}},
                 {QStringLiteral("description"), QStringLiteral("Only runs in this state")}}},
            {QStringLiteral("limit"), integerProperty(1, 30, 10, QStringLiteral("How many runs"))},
            {QStringLiteral("failed_log_lines"),
             integerProperty(0, 200, 40,
                             QStringLiteral("Log lines of the latest failed run's failed job (0: no log)"))},
        },
        {QStringLiteral("repository")});
    spec.run = [](GitHubClient &client, const QString &tenantId, const QJsonObject &args,
                  const core::CancelTokenPtr &cancel) {
        const QString repository = normalisedRepository(args.value(QLatin1String("repository")).toString());
        const QString base = QStringLiteral("/repos/") + repository;
        const int lines = args.value(QLatin1String("failed_log_lines")).toInt(40);
        QUrlQuery query;
        query.addQueryItem(QStringLiteral("per_page"),
                           QString::number(args.value(QLatin1String("limit")).toInt(10)));
        for (const char *key : {"branch", "status"}) {
            const QString value = args.value(QLatin1String(key)).toString().trimmed();
            if (!value.isEmpty())
                query.addQueryItem(QLatin1String(key), value);
        }
        core::ResultPromise<QJsonObject> promise;
        whenDone(
            client.get(tenantId, base + QStringLiteral("/actions/runs"), query, cancel), &client,
            [&client, tenantId, base, repository, lines, cancel, promise](Result<QJsonValue> reply) {
                if (!reply)
                    return promise.finish(reply.error());
                QJsonArray runs;
                QJsonObject latestFailed;
                for (const QJsonValue &r :
                     reply.value().toObject().value(QLatin1String("workflow_runs")).toArray()) {
                    runs.append(runSummary(r.toObject()));
                    if (latestFailed.isEmpty() && failed(r.toObject()))
                        latestFailed = r.toObject();
                }
                auto result = std::make_shared<QJsonObject>(
                    QJsonObject{{QStringLiteral("repository"), repository},
                                {QStringLiteral("total_count"),
                                 reply.value().toObject().value(QLatin1String("total_count"))},
                                {QStringLiteral("runs"), runs}});
                if (latestFailed.isEmpty() || lines == 0)
                    return promise.finish(*result);
                const QString runId = QString::number(latestFailed.value(QLatin1String("id")).toInteger());
                QUrlQuery jobsQuery;
                jobsQuery.addQueryItem(QStringLiteral("filter"), QStringLiteral("latest"));
                jobsQuery.addQueryItem(QStringLiteral("per_page"), QStringLiteral("50"));
                whenDone(
                    client.get(tenantId, base + QStringLiteral("/actions/runs/%1/jobs").arg(runId), jobsQuery,
                               cancel),
                    &client,
                    [&client, tenantId, base, runId, lines, cancel, promise,
                     result](Result<QJsonValue> jobs) {
                        if (!jobs)
                            return promise.finish(jobs.error());
                        QJsonObject job;
                        for (const QJsonValue &j :
                             jobs.value().toObject().value(QLatin1String("jobs")).toArray()) {
                            if (failed(j.toObject())) {
                                job = j.toObject();
                                break;
                            }
                        }
                        if (job.isEmpty())
                            return promise.finish(*result);
                        QJsonArray steps;
                        for (const QJsonValue &s : job.value(QLatin1String("steps")).toArray()) {
                            if (failed(s.toObject()))
                                steps.append(s.toObject().value(QLatin1String("name")));
                        }
                        QJsonObject failedJob{{QStringLiteral("run_id"), runId.toLongLong()},
                                              {QStringLiteral("job_id"), job.value(QLatin1String("id"))},
                                              {QStringLiteral("job"), job.value(QLatin1String("name"))},
                                              {QStringLiteral("failed_steps"), steps},
                                              {QStringLiteral("url"), job.value(QLatin1String("html_url"))}};
                        const QString jobId = QString::number(job.value(QLatin1String("id")).toInteger());
                        whenDone(client.downloadTail(
                                     tenantId, base + QStringLiteral("/actions/jobs/%1/logs").arg(jobId),
                                     kLogTailBytes, cancel),
                                 &client,
                                 [promise, result, failedJob, lines](Result<QByteArray> log) mutable {
                                     // The runs are worth reporting even when the log is gone.
                                     if (log)
                                         failedJob.insert(QStringLiteral("log_excerpt"),
                                                          excerpt(log.value(), lines));
                                     else
                                         failedJob.insert(QStringLiteral("log_error"), log.error().message);
                                     result->insert(QStringLiteral("failed_job"), failedJob);
                                     promise.finish(*result);
                                 });
                    });
            });
        return promise.future();
    };
    return spec;
}

} // namespace agency::tools::github
