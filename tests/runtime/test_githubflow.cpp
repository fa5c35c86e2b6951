// The GitHub flows end to end through runtime::Backend, offline: the demo provider drives them,
// the github_* tools reach FakeGitHub (GITHUB_API_BASE_URL) with the tenant's token from the
// injected secrets. A github_weekly run executed by the run worker stores its report as the run's
// output, as a conversation and as a document in the tenant's "reports" collection; a tenant
// without a token gets the "connect a GitHub token" answer.

#include "enginefixture.h"
#include "fakegithub.h"
#include "memorysecrets.h"
#include "runtime/backend.h"
#include "testdatabase.h"

#include <QTest>

using namespace agency;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kToken = QStringLiteral("github_pat_11FLOW0secret");

} // namespace

class TestGitHubFlow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void weeklyRunStoresItsReportAsConversationAndDocument();
    void chatWithoutATokenSaysHowToConnect();

private:
    std::unique_ptr<runtime::Backend> build();

    test::TestDatabase m_db;
    std::unique_ptr<test::FakeGitHub> m_github;
    test::MemorySecrets m_secrets;
};

void TestGitHubFlow::initTestCase()
{
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    m_secrets.set(kTenant, QStringLiteral("github_token"), kToken);
}

void TestGitHubFlow::init()
{
    AGENCY_VERIFY_OK(m_db.reset());
    m_github = std::make_unique<test::FakeGitHub>();
    QVERIFY(m_github->listen());
    m_github->acceptToken(kToken.toLatin1());
    m_github->serveSampleRepository();
}

void TestGitHubFlow::cleanup()
{
    QVERIFY2(m_github->problems().isEmpty(), qPrintable(m_github->problems().join(u'\n')));
    m_github.reset();
    m_db.close();
}

std::unique_ptr<runtime::Backend> TestGitHubFlow::build()
{
    runtime::Injected injected;
    injected.executor = &m_db.executor();
    injected.flowDirectories = QStringList{}; // the built-in flows: github and github_weekly
    injected.tenantSecrets = &m_secrets;
    const runtime::RuntimeConfig config =
        test::engineConfig(QStringLiteral("http://127.0.0.1:9"), QStringLiteral("http://127.0.0.1:9"),
                           {{QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")},
                            {QStringLiteral("GITHUB_API_BASE_URL"), m_github->apiBaseUrl()},
                            {QStringLiteral("RUN_POLL_MS"), QStringLiteral("50")}});
    auto backend = runtime::Backend::create(config, injected);
    if (!backend) {
        QTest::qFail(qPrintable(backend.error().toString()), __FILE__, __LINE__);
        return {};
    }
    return std::move(backend).value();
}

void TestGitHubFlow::weeklyRunStoresItsReportAsConversationAndDocument()
{
    auto backend = build();
    QVERIFY(backend);
    service::AgencyService &service = backend->service();
    AGENCY_VERIFY_OK(test::await(service.createTenant(kTenant, QStringLiteral("Acme"))));
    AGENCY_ASSIGN_OK(queued, test::await(service.createRun(kTenant, QStringLiteral("github_weekly"),
                                                           QStringLiteral("Weekly report for acme/shop"))));
    backend->startRunWorkers();
    const QString runId = queued.runId.toString(QUuid::WithoutBraces);
    core::Run run;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto fetched = test::await(service.getRun(kTenant, runId));
            if (fetched)
                run = fetched.value();
            return fetched && run.isFinished();
        }(),
        20000);
    QVERIFY2(run.status == core::RunStatus::Completed,
             qPrintable(run.error ? run.error->toString() : core::runStatusName(run.status)));
    // The report comes from the tools' results: what changed and what is failing.
    QVERIFY2(run.output.contains(QStringLiteral("a1b2c3d \"Fix the basket limit\"")), qPrintable(run.output));
    QVERIFY2(run.output.contains(QStringLiteral("Error: expected 3, got 4")), qPrintable(run.output));
    QStringList paths;
    for (const auto &request : m_github->apiRequests()) {
        paths.append(request.path());
        QCOMPARE(request.header("authorization"), QByteArray("Bearer ") + kToken.toLatin1());
    }
    QVERIFY2(paths.contains(QStringLiteral("/repos/acme/shop/commits")), qPrintable(paths.join(u' ')));
    QVERIFY(paths.contains(QStringLiteral("/repos/acme/shop/actions/runs")));

    // As any run: a conversation of the flow, holding the question and the report.
    AGENCY_ASSIGN_OK(conversation, test::await(service.getConversation(
                                       kTenant, run.conversationId.toString(QUuid::WithoutBraces))));
    QCOMPARE(conversation.flowType, QStringLiteral("github_weekly"));

    // And a document of the tenant in "reports", holding the report itself.
    core::DocumentQuery query;
    query.tenantId = kTenant;
    query.collection = QStringLiteral("reports");
    core::Page<core::Document> page;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            auto listed = test::await(service.listDocuments(query));
            if (listed)
                page = listed.value();
            return listed && !page.items.isEmpty();
        }(),
        10000);
    QCOMPARE(page.items.size(), 1);
    QVERIFY2(page.items.first().title.contains(QStringLiteral("GitHub weekly report")),
             qPrintable(page.items.first().title));
    AGENCY_ASSIGN_OK(content, test::await(service.documentContent(
                                  kTenant, page.items.first().documentId.toString(QUuid::WithoutBraces))));
    QCOMPARE(QString::fromUtf8(content), run.output);
}

void TestGitHubFlow::chatWithoutATokenSaysHowToConnect()
{
    auto backend = build();
    QVERIFY(backend);
    core::TurnRequest request;
    request.tenantId = QStringLiteral("no-github");
    request.flowType = QStringLiteral("github");
    request.message = QStringLiteral("What is failing in acme/shop?");
    AGENCY_ASSIGN_OK(result, test::await(backend->engine().run(request, {}), 20000));
    QCOMPARE(result.toolRounds, 1);
    QVERIFY2(result.content.contains(QStringLiteral("connect a GitHub token")), qPrintable(result.content));
    QCOMPARE(m_github->requestCount(), 0);
}

QTEST_GUILESS_MAIN(TestGitHubFlow)
#include "test_githubflow.moc"
