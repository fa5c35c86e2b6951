// The github_* tools over real HTTP against FakeGitHub, through the ToolRegistry as the turn
// engine calls them: each tool's requests (paths, queries, headers, bodies) and trimmed results,
// a fine-grained token and GitHub App auth (the JWT verified with the App's public key, the
// installation token cached and exchanged again before it expires), rate limits waited out or
// refused beyond the cap, writes marked for approval, and the token in no log and no result.

#include "fakegithub.h"
#include "fakegoogleauth.h"
#include "futurewait.h"
#include "memorysecrets.h"
#include "tools/builtintools.h"
#include "tools/github/githubtools.h"
#include "tools/toolregistry.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QTest>

using namespace agency;
using core::ErrorCode;
using test::FakeGitHub;
using tools::ToolResult;

namespace {

const QString kTenant = QStringLiteral("acme-consulting");
const QByteArray kToken = "github_pat_11FAKE0secret0token0value";

QStringList *g_logs = nullptr;
QtMessageHandler g_previousHandler = nullptr;

void captureMessages(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_logs)
        g_logs->append(message);
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

} // namespace

class TestGitHubTools : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void searchIssues();
    void getIssueWithComments();
    void getPullRequestWithFiles();
    void listCommits();
    void getFileAndDirectory();
    void workflowRunsWithFailedLogExcerpt();
    void writesNeedApprovalAndSendTheirBodies();
    void notConnected();
    void badRepositoryNeverReachesGitHub();
    void notFoundAndRefusedToken();
    void appTokenExchangedAndRefreshedBeforeExpiry();
    void appWithWrongKeyIsRefused();
    void rateLimitedAnswerRetriedAfterReset();
    void rateLimitBeyondTheCapFailsAtOnce();
    void retryAfterHonoured();
    void rateLimitWaitStaysWithinTheToolTimeLimit();
    void tokenNeverInLogsNorResults();

private:
    void makeTools(core::TenantSecretSource *secrets, tools::GitHubConfig config = {});
    ToolResult call(const QString &name, const QJsonObject &arguments, const QString &tenant = kTenant);
    /// The paths the fake received, in order (the API's only, or every request's).
    QStringList paths(bool apiOnly = true) const;

    std::shared_ptr<core::ManualClock> m_clock;
    std::unique_ptr<FakeGitHub> m_github;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    std::unique_ptr<test::MemorySecrets> m_secrets;
    std::unique_ptr<tools::ToolRegistry> m_registry;
    test::TestRsaKey m_appKey;
};

void TestGitHubTools::initTestCase()
{
    m_appKey = test::TestRsaKey::generate();
    QVERIFY(m_appKey.isValid());
}

void TestGitHubTools::init()
{
    m_clock = std::make_shared<core::ManualClock>(QDateTime::currentDateTimeUtc());
    m_github = std::make_unique<FakeGitHub>([clock = m_clock] { return clock->now().toSecsSinceEpoch(); });
    QVERIFY(m_github->listen());
    m_github->acceptToken(kToken);
    m_github->serveSampleRepository();
    m_nam = std::make_unique<QNetworkAccessManager>();
    m_secrets = std::make_unique<test::MemorySecrets>();
    m_secrets->set(kTenant, QStringLiteral("github_token"), QString::fromLatin1(kToken));
    makeTools(m_secrets.get());
}

void TestGitHubTools::cleanup()
{
    if (m_github)
        QVERIFY2(m_github->problems().isEmpty(), qPrintable(m_github->problems().join(u'\n')));
    m_registry.reset();
    m_nam.reset();
    m_github.reset();
}

void TestGitHubTools::makeTools(core::TenantSecretSource *secrets, tools::GitHubConfig config)
{
    m_registry.reset();
    config.apiBaseUrl = QUrl(m_github->apiBaseUrl());
    auto client = std::make_shared<tools::GitHubClient>(config, *m_nam, secrets, m_clock);
    m_registry = std::make_unique<tools::ToolRegistry>(30'000);
    for (auto &tool : tools::makeGitHubTools(client))
        QVERIFY(m_registry->add(std::move(tool)).ok());
}

ToolResult TestGitHubTools::call(const QString &name, const QJsonObject &arguments, const QString &tenant)
{
    tools::ToolContext context;
    context.tenantId = tenant;
    auto future = m_registry->execute(name, arguments, std::make_shared<core::CancelToken>(), 0, context);
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, 30000))
        return ToolResult::fromError(core::makeError(ErrorCode::Internal, QStringLiteral("test timed out")));
    return future.result();
}

QStringList TestGitHubTools::paths(bool apiOnly) const
{
    QStringList list;
    for (const auto &request : apiOnly ? m_github->apiRequests() : m_github->requests())
        list.append(request.path());
    return list;
}

void TestGitHubTools::searchIssues()
{
    const ToolResult result = call(QStringLiteral("github_search_issues"),
                                   {{QStringLiteral("query"), QStringLiteral("basket")},
                                    {QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                    {QStringLiteral("state"), QStringLiteral("open")},
                                    {QStringLiteral("limit"), 5}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    const auto request = m_github->lastRequest();
    QCOMPARE(request.method, QByteArray("GET"));
    QCOMPARE(request.path(), QStringLiteral("/search/issues"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("q"), QUrl::FullyDecoded),
             QStringLiteral("basket repo:acme/shop is:open"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("per_page")), QStringLiteral("5"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("sort")), QStringLiteral("updated"));
    QCOMPARE(request.header("authorization"), "Bearer " + kToken);
    const QJsonArray items = result.json.value(QLatin1String("items")).toArray();
    QCOMPARE(items.size(), 2);
    const QJsonObject first = items.at(0).toObject();
    QCOMPARE(first.value(QLatin1String("repository")).toString(), QStringLiteral("acme/shop"));
    QCOMPARE(first.value(QLatin1String("number")).toInt(), 8);
    QCOMPARE(first.value(QLatin1String("kind")).toString(), QStringLiteral("pull_request"));
    QCOMPARE(items.at(1).toObject().value(QLatin1String("kind")).toString(), QStringLiteral("issue"));
    QCOMPARE(first.value(QLatin1String("labels")).toArray(), QJsonArray{QStringLiteral("bug")});
    QCOMPARE(first.value(QLatin1String("author")).toString(), QStringLiteral("octocat"));
    // Trimmed: the API's own URLs and bodies stay out of a search result.
    QVERIFY(!first.contains(QLatin1String("body")));
    QVERIFY(!first.contains(QLatin1String("repository_url")));
}

void TestGitHubTools::getIssueWithComments()
{
    const ToolResult result =
        call(QStringLiteral("github_get_issue"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                  {QStringLiteral("number"), 7},
                                                  {QStringLiteral("max_comments"), 1}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(paths(), (QStringList{QStringLiteral("/repos/acme/shop/issues/7"),
                                   QStringLiteral("/repos/acme/shop/issues/7/comments")}));
    QCOMPARE(result.json.value(QLatin1String("title")).toString(),
             QStringLiteral("Checkout fails with 4 items"));
    QCOMPARE(result.json.value(QLatin1String("kind")).toString(), QStringLiteral("issue"));
    QVERIFY(result.json.value(QLatin1String("body")).toString().contains(QLatin1String("more than 3 items")));
    // The latest comment only, as asked.
    const QJsonArray comments = result.json.value(QLatin1String("latest_comments")).toArray();
    QCOMPARE(comments.size(), 1);
    QCOMPARE(comments.at(0).toObject().value(QLatin1String("author")).toString(), QStringLiteral("bob"));
    QVERIFY(!result.json.contains(QLatin1String("pull_request")));
}

void TestGitHubTools::getPullRequestWithFiles()
{
    const ToolResult result =
        call(QStringLiteral("github_get_issue"),
             {{QStringLiteral("repository"), QStringLiteral("acme/shop")}, {QStringLiteral("number"), 8}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(paths(), (QStringList{QStringLiteral("/repos/acme/shop/issues/8"),
                                   QStringLiteral("/repos/acme/shop/issues/8/comments"),
                                   QStringLiteral("/repos/acme/shop/pulls/8"),
                                   QStringLiteral("/repos/acme/shop/pulls/8/files")}));
    const QJsonObject pr = result.json.value(QLatin1String("pull_request")).toObject();
    QCOMPARE(pr.value(QLatin1String("head")).toString(), QStringLiteral("fix-basket"));
    QCOMPARE(pr.value(QLatin1String("base")).toString(), QStringLiteral("main"));
    QCOMPARE(pr.value(QLatin1String("merged")).toBool(true), false);
    const QJsonArray files = pr.value(QLatin1String("files")).toArray();
    QCOMPARE(files.size(), 2);
    QCOMPARE(files.at(0).toObject().value(QLatin1String("filename")).toString(),
             QStringLiteral("src/basket.cpp"));
    QCOMPARE(files.at(1).toObject().value(QLatin1String("status")).toString(), QStringLiteral("added"));
    QVERIFY(!files.at(0).toObject().contains(QLatin1String("patch"))); // diffs are not what a report needs
}

void TestGitHubTools::listCommits()
{
    const ToolResult result = call(QStringLiteral("github_list_commits"),
                                   {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                    {QStringLiteral("since"), QStringLiteral("2026-11-30")},
                                    {QStringLiteral("branch"), QStringLiteral("main")},
                                    {QStringLiteral("limit"), 2}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    const auto request = m_github->lastRequest();
    QCOMPARE(request.path(), QStringLiteral("/repos/acme/shop/commits"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("since")), QStringLiteral("2026-11-30T00:00:00Z"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("sha")), QStringLiteral("main"));
    QCOMPARE(request.query().queryItemValue(QStringLiteral("per_page")), QStringLiteral("2"));
    const QJsonArray commits = result.json.value(QLatin1String("commits")).toArray();
    QCOMPARE(commits.size(), 2);
    const QJsonObject first = commits.at(0).toObject();
    QCOMPARE(first.value(QLatin1String("sha")).toString(), QStringLiteral("a1b2c3d4e5f6"));
    QCOMPARE(first.value(QLatin1String("author")).toString(), QStringLiteral("bob"));
    QCOMPARE(first.value(QLatin1String("message")).toString(), QStringLiteral("Fix the basket limit"));
    QCOMPARE(first.value(QLatin1String("date")).toString(), QStringLiteral("2026-12-04T15:00:00Z"));
}

void TestGitHubTools::getFileAndDirectory()
{
    ToolResult result =
        call(QStringLiteral("github_get_file"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                 {QStringLiteral("path"), QStringLiteral("README.md")},
                                                 {QStringLiteral("ref"), QStringLiteral("v1.2")}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(m_github->lastRequest().path(), QStringLiteral("/repos/acme/shop/contents/README.md"));
    QCOMPARE(m_github->lastRequest().query().queryItemValue(QStringLiteral("ref")), QStringLiteral("v1.2"));
    QCOMPARE(result.json.value(QLatin1String("content")).toString(),
             QStringLiteral("# Shop\n\nThe acme web shop.\n"));
    QCOMPARE(result.json.value(QLatin1String("truncated")).toBool(true), false);

    result =
        call(QStringLiteral("github_get_file"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                 {QStringLiteral("path"), QStringLiteral("/src")}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(result.json.value(QLatin1String("type")).toString(), QStringLiteral("dir"));
    QCOMPARE(result.json.value(QLatin1String("entries")).toArray().size(), 2);

    // A long file comes back cut, and says so.
    const QByteArray big(100'000, 'x');
    m_github->route("GET", QStringLiteral("/repos/acme/shop/contents/big.txt"),
                    test::FakeResponse::json(
                        200, QJsonObject{{QStringLiteral("type"), QStringLiteral("file")},
                                         {QStringLiteral("path"), QStringLiteral("big.txt")},
                                         {QStringLiteral("size"), big.size()},
                                         {QStringLiteral("content"), QString::fromLatin1(big.toBase64())}}));
    result =
        call(QStringLiteral("github_get_file"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                 {QStringLiteral("path"), QStringLiteral("big.txt")}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QVERIFY(result.json.value(QLatin1String("truncated")).toBool());
    QVERIFY(result.json.value(QLatin1String("content")).toString().size() <= 30000);

    result =
        call(QStringLiteral("github_get_file"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                 {QStringLiteral("path"), QStringLiteral("src/../../etc")}});
    QCOMPARE(result.errorCode, ErrorCode::InvalidArgument);
}

void TestGitHubTools::workflowRunsWithFailedLogExcerpt()
{
    const ToolResult result = call(QStringLiteral("github_list_workflow_runs"),
                                   {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                    {QStringLiteral("branch"), QStringLiteral("main")},
                                    {QStringLiteral("failed_log_lines"), 5}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(paths(false), (QStringList{QStringLiteral("/repos/acme/shop/actions/runs"),
                                        QStringLiteral("/repos/acme/shop/actions/runs/555/jobs"),
                                        QStringLiteral("/repos/acme/shop/actions/jobs/9001/logs"),
                                        QStringLiteral("/_blob/logs/9001")}));
    QCOMPARE(m_github->requests().first().query().queryItemValue(QStringLiteral("branch")),
             QStringLiteral("main"));
    // The pre-signed log URL got no credentials (cleanup() checks the fake's problems too).
    QVERIFY(m_github->requests().last().header("authorization").isEmpty());
    QCOMPARE(result.json.value(QLatin1String("runs")).toArray().size(), 2);
    const QJsonObject failed = result.json.value(QLatin1String("failed_job")).toObject();
    QCOMPARE(failed.value(QLatin1String("run_id")).toInteger(), 555);
    QCOMPARE(failed.value(QLatin1String("job")).toString(), QStringLiteral("test"));
    QCOMPARE(failed.value(QLatin1String("failed_steps")).toArray(), QJsonArray{QStringLiteral("Run tests")});
    const QStringList lines = failed.value(QLatin1String("log_excerpt")).toString().split(u'\n');
    QCOMPARE(lines.size(), 5);
    QCOMPARE(lines.last(), QStringLiteral("Error: expected 3, got 4"));
    QCOMPARE(lines.first(), QStringLiteral("line 297"));
}

void TestGitHubTools::writesNeedApprovalAndSendTheirBodies()
{
    for (const QString &name : m_registry->names()) {
        const bool write =
            name == QLatin1String("github_create_issue") || name == QLatin1String("github_comment");
        QCOMPARE(m_registry->find(name)->requiresApproval(), write);
    }
    ToolResult result = call(QStringLiteral("github_create_issue"),
                             {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                              {QStringLiteral("title"), QStringLiteral("Weekly report: CI failing")},
                              {QStringLiteral("body"), QStringLiteral("The test job fails since run 555.")},
                              {QStringLiteral("labels"), QJsonArray{QStringLiteral("ci")}}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    auto request = m_github->lastRequest();
    QCOMPARE(request.method, QByteArray("POST"));
    QCOMPARE(request.path(), QStringLiteral("/repos/acme/shop/issues"));
    QCOMPARE(request.header("content-type"), QByteArray("application/json"));
    QCOMPARE(request.json(),
             (QJsonObject{{QStringLiteral("title"), QStringLiteral("Weekly report: CI failing")},
                          {QStringLiteral("body"), QStringLiteral("The test job fails since run 555.")},
                          {QStringLiteral("labels"), QJsonArray{QStringLiteral("ci")}}}));
    QCOMPARE(result.json.value(QLatin1String("number")).toInt(), 42);

    result =
        call(QStringLiteral("github_comment"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                {QStringLiteral("number"), 7},
                                                {QStringLiteral("body"), QStringLiteral("Fixed by #8.")}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    request = m_github->lastRequest();
    QCOMPARE(request.path(), QStringLiteral("/repos/acme/shop/issues/7/comments"));
    QCOMPARE(request.json(), (QJsonObject{{QStringLiteral("body"), QStringLiteral("Fixed by #8.")}}));
    QCOMPARE(result.json.value(QLatin1String("comment_id")).toInt(), 777);
}

void TestGitHubTools::notConnected()
{
    // No secrets store at all, then a tenant without GitHub credentials: the same clear sentence.
    makeTools(nullptr);
    ToolResult result = call(QStringLiteral("github_list_commits"),
                             {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(result.errorCode, ErrorCode::NotConfigured);
    QVERIFY2(result.json.value(QLatin1String("error"))
                 .toString()
                 .contains(QLatin1String("connect a GitHub token")),
             qPrintable(result.content()));
    makeTools(m_secrets.get());
    result =
        call(QStringLiteral("github_list_commits"),
             {{QStringLiteral("repository"), QStringLiteral("acme/shop")}}, QStringLiteral("other-tenant"));
    QCOMPARE(result.errorCode, ErrorCode::NotConfigured);
    QVERIFY(result.json.value(QLatin1String("error")).toString().contains(QLatin1String("github_token")));
    QCOMPARE(m_github->requestCount(), 0);
}

void TestGitHubTools::badRepositoryNeverReachesGitHub()
{
    for (const QString &bad : {QStringLiteral("acme"), QStringLiteral("acme/shop/extra"),
                               QStringLiteral("../etc"), QStringLiteral("acme/..")}) {
        const ToolResult result =
            call(QStringLiteral("github_list_commits"), {{QStringLiteral("repository"), bad}});
        QVERIFY2(result.errorCode == ErrorCode::InvalidArgument, qPrintable(bad + u' ' + result.content()));
    }
    QCOMPARE(m_github->requestCount(), 0);
}

void TestGitHubTools::notFoundAndRefusedToken()
{
    ToolResult result =
        call(QStringLiteral("github_get_issue"),
             {{QStringLiteral("repository"), QStringLiteral("acme/shop")}, {QStringLiteral("number"), 99}});
    QCOMPARE(result.errorCode, ErrorCode::NotFound);
    QVERIFY(result.json.value(QLatin1String("error")).toString().contains(QLatin1String("HTTP 404")));
    QCOMPARE(m_github->requestCount(), 1); // a 404 is not retried

    m_secrets->set(kTenant, QStringLiteral("github_token"), QStringLiteral("github_pat_revoked"));
    result = call(QStringLiteral("github_list_commits"),
                  {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(result.errorCode, ErrorCode::ProviderUnauthorized);
    QVERIFY(result.json.value(QLatin1String("error")).toString().contains(QLatin1String("HTTP 401")));
    QVERIFY(!result.content().contains(QLatin1String("github_pat_revoked")));
}

void TestGitHubTools::appTokenExchangedAndRefreshedBeforeExpiry()
{
    m_secrets->remove(kTenant, QStringLiteral("github_token"));
    m_secrets->set(kTenant, QStringLiteral("github_app_id"), QStringLiteral("123456"));
    m_secrets->set(kTenant, QStringLiteral("github_app_installation_id"), QStringLiteral("987"));
    m_secrets->set(kTenant, QStringLiteral("github_app_private_key"),
                   QString::fromLatin1(m_appKey.privatePem));
    m_github->enableApp(m_appKey.publicPem, QStringLiteral("123456"), QStringLiteral("987"));
    const QJsonObject args{{QStringLiteral("repository"), QStringLiteral("acme/shop")}};

    ToolResult result = call(QStringLiteral("github_list_commits"), args);
    QVERIFY2(result.success(), qPrintable(result.content() + u' ' + m_github->lastRejection()));
    QCOMPARE(m_github->tokensIssued(), 1);
    const auto exchange = m_github->requests().first();
    QCOMPARE(exchange.method, QByteArray("POST"));
    QCOMPARE(exchange.path(), QStringLiteral("/app/installations/987/access_tokens"));
    const QJsonObject claims = m_github->lastJwtClaims();
    const qint64 now = m_clock->now().toSecsSinceEpoch();
    QCOMPARE(claims.value(QLatin1String("iat")).toInteger(), now - 60);
    QVERIFY(claims.value(QLatin1String("exp")).toInteger() > now);
    QVERIFY(claims.value(QLatin1String("exp")).toInteger() - claims.value(QLatin1String("iat")).toInteger() <=
            600);
    QCOMPARE(claims.value(QLatin1String("iss")).toInteger(), 123456);
    QCOMPARE(m_github->apiRequests().last().header("authorization"), "Bearer " + m_github->lastIssuedToken());

    // Within the hour the cached token serves; near its end a new one is exchanged first.
    m_clock->advanceMs(50 * 60'000);
    QVERIFY(call(QStringLiteral("github_list_commits"), args).success());
    QCOMPARE(m_github->tokensIssued(), 1);
    m_clock->advanceMs(6 * 60'000); // 4 minutes left: inside the refresh margin
    QVERIFY(call(QStringLiteral("github_list_commits"), args).success());
    QCOMPARE(m_github->tokensIssued(), 2);
    QCOMPARE(m_github->apiRequests().last().header("authorization"), "Bearer " + m_github->lastIssuedToken());
    QCOMPARE(m_github->lastJwtClaims().value(QLatin1String("iat")).toInteger(),
             m_clock->now().toSecsSinceEpoch() - 60);
}

void TestGitHubTools::appWithWrongKeyIsRefused()
{
    const test::TestRsaKey other = test::TestRsaKey::generate();
    m_secrets->remove(kTenant, QStringLiteral("github_token"));
    m_secrets->set(kTenant, QStringLiteral("github_app_id"), QStringLiteral("123456"));
    m_secrets->set(kTenant, QStringLiteral("github_app_installation_id"), QStringLiteral("987"));
    m_secrets->set(kTenant, QStringLiteral("github_app_private_key"), QString::fromLatin1(other.privatePem));
    m_github->enableApp(m_appKey.publicPem, QStringLiteral("123456"), QStringLiteral("987"));
    ToolResult result = call(QStringLiteral("github_list_commits"),
                             {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(result.errorCode, ErrorCode::ProviderUnauthorized);
    QVERIFY(result.json.value(QLatin1String("error"))
                .toString()
                .contains(QLatin1String("github_app_private_key")));
    QVERIFY(!m_github->lastRejection().isEmpty());
    QCOMPARE(m_github->apiRequests().size(), 0);

    m_secrets->set(kTenant, QStringLiteral("github_app_private_key"), QStringLiteral("not a key"));
    result = call(QStringLiteral("github_list_commits"),
                  {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(result.errorCode, ErrorCode::NotConfigured);
}

void TestGitHubTools::rateLimitedAnswerRetriedAfterReset()
{
    // The reset is two whole seconds ahead of the (fake's and the client's) clock, so more than
    // one second away: the retry waits it out.
    m_github->rateLimitNext(1, m_clock->now().toSecsSinceEpoch() + 2);
    QElapsedTimer elapsed;
    elapsed.start();
    const ToolResult result = call(QStringLiteral("github_list_commits"),
                                   {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(m_github->apiRequests().size(), 2);
    QVERIFY2(elapsed.elapsed() >= 1000, qPrintable(QString::number(elapsed.elapsed())));
}

void TestGitHubTools::rateLimitBeyondTheCapFailsAtOnce()
{
    m_github->rateLimitNext(1, m_clock->now().toSecsSinceEpoch() + 3600);
    const ToolResult result = call(QStringLiteral("github_list_commits"),
                                   {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(result.errorCode, ErrorCode::ProviderRateLimited);
    QVERIFY2(result.json.value(QLatin1String("error")).toString().contains(QLatin1String("rate limit")),
             qPrintable(result.content()));
    QCOMPARE(m_github->apiRequests().size(), 1);

    // A secondary limit with neither header: GitHub's advice is to wait a minute, over the cap.
    m_github->route(
        "GET", QStringLiteral("/repos/acme/shop/commits"),
        test::FakeResponse::json(403, QJsonObject{{QStringLiteral("message"),
                                                   QStringLiteral("You have exceeded a secondary rate "
                                                                  "limit. Please wait a few minutes.")}}));
    tools::GitHubConfig config;
    config.maxRateLimitWaitMs = 5000;
    makeTools(m_secrets.get(), config);
    const ToolResult secondary = call(QStringLiteral("github_list_commits"),
                                      {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(secondary.errorCode, ErrorCode::ProviderRateLimited);
    QCOMPARE(m_github->apiRequests().size(), 2);
}

void TestGitHubTools::retryAfterHonoured()
{
    m_github->retryAfterNext(1);
    QElapsedTimer elapsed;
    elapsed.start();
    const ToolResult result = call(QStringLiteral("github_list_commits"),
                                   {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QVERIFY2(result.success(), qPrintable(result.content()));
    QCOMPARE(m_github->apiRequests().size(), 2);
    QVERIFY(elapsed.elapsed() >= 900);
}

void TestGitHubTools::rateLimitWaitStaysWithinTheToolTimeLimit()
{
    // As the program builds them: a tool call may take 4 s, so no rate-limit wait over 2 s.
    tools::ToolsConfig config;
    config.timeoutMs = 4000;
    config.github.apiBaseUrl = QUrl(m_github->apiBaseUrl());
    auto registry =
        tools::createBuiltinToolRegistry(config, *m_nam, nullptr, m_clock, nullptr, m_secrets.get());
    AGENCY_VERIFY_OK(registry);
    m_registry = std::move(registry).value();
    m_github->rateLimitNext(1, m_clock->now().toSecsSinceEpoch() + 4);
    const ToolResult result = call(QStringLiteral("github_list_commits"),
                                   {{QStringLiteral("repository"), QStringLiteral("acme/shop")}});
    QCOMPARE(result.errorCode, ErrorCode::ProviderRateLimited);
    QCOMPARE(m_github->apiRequests().size(), 1);
    // Within the cap it waits and succeeds, as the GitHub tools of the program.
    m_github->rateLimitNext(1, m_clock->now().toSecsSinceEpoch() + 1);
    QVERIFY(call(QStringLiteral("github_list_commits"),
                 {{QStringLiteral("repository"), QStringLiteral("acme/shop")}})
                .success());
    QCOMPARE(m_github->apiRequests().size(), 3);
}

void TestGitHubTools::tokenNeverInLogsNorResults()
{
    QStringList logs;
    g_logs = &logs;
    g_previousHandler = qInstallMessageHandler(captureMessages);
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=true"));
    QStringList results;
    for (const auto &[name, args] :
         {std::pair{QStringLiteral("github_search_issues"),
                    QJsonObject{{QStringLiteral("query"), QStringLiteral("bug")}}},
          std::pair{QStringLiteral("github_get_issue"),
                    QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                {QStringLiteral("number"), 8}}},
          std::pair{QStringLiteral("github_list_workflow_runs"),
                    QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")}}},
          std::pair{QStringLiteral("github_get_file"),
                    QJsonObject{{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                {QStringLiteral("path"), QStringLiteral("nope")}}}})
        results.append(call(name, args).content());
    // The same with a GitHub App: neither its key nor the installation token it gets shows.
    m_secrets->remove(kTenant, QStringLiteral("github_token"));
    m_secrets->set(kTenant, QStringLiteral("github_app_id"), QStringLiteral("123456"));
    m_secrets->set(kTenant, QStringLiteral("github_app_installation_id"), QStringLiteral("987"));
    m_secrets->set(kTenant, QStringLiteral("github_app_private_key"),
                   QString::fromLatin1(m_appKey.privatePem));
    m_github->enableApp(m_appKey.publicPem, QStringLiteral("123456"), QStringLiteral("987"));
    results.append(
        call(QStringLiteral("github_get_file"), {{QStringLiteral("repository"), QStringLiteral("acme/shop")},
                                                 {QStringLiteral("path"), QStringLiteral("nope")}})
            .content());
    QLoggingCategory::setFilterRules(QString());
    qInstallMessageHandler(g_previousHandler);
    g_logs = nullptr;
    QCOMPARE(results.size(), 5);
    QCOMPARE(m_github->tokensIssued(), 1);
    // The failed calls were logged (so the logs were looked at, not empty by accident).
    QVERIFY2(logs.join(u'\n').contains(QLatin1String("github_get_file")), qPrintable(logs.join(u'\n')));
    const QString pemBody = QString::fromLatin1(m_appKey.privatePem).section(u'\n', 1, 1);
    for (const QString &text : std::as_const(results) + logs) {
        QVERIFY2(!text.contains(QString::fromLatin1(kToken)), qPrintable(text));
        QVERIFY2(!text.contains(QString::fromLatin1(m_github->lastIssuedToken())), qPrintable(text));
        QVERIFY2(!text.contains(pemBody), qPrintable(text));
    }
}

QTEST_GUILESS_MAIN(TestGitHubTools)
#include "test_githubtools.moc"
