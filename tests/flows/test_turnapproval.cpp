// Approval before writes, end to end on the program's backend: a call of a tool that needs
// approval pauses the turn (stored pending, the other calls of the answer run), nothing more is
// taken in the conversation until a decision; approving runs the tool with the stored arguments
// and the turn continues; rejecting runs nothing and tells the model; pending approvals survive a
// new backend on the same database, expire, cannot be decided twice nor by another tenant, and
// every decision is audited.

#include "core/json.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"
#include "writetool.h"

#include <QJsonDocument>
#include <QSqlQuery>
#include <QTest>

using namespace agency;
using core::ApprovalStatus;
using core::ErrorCode;
using core::TurnEvent;
using test::EngineFixture;
using test::FakeOpenAiServer;
using test::RecordingWriteTool;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kFlow = QStringLiteral("notes");

core::ToolCall noteCall(const QString &id, const QString &text)
{
    return test::call(id, QStringLiteral("post_note"), QStringLiteral("{\"text\":\"%1\"}").arg(text));
}

QJsonObject parse(const QString &json)
{
    return QJsonDocument::fromJson(json.toUtf8()).object();
}

} // namespace

class TestTurnApproval : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void pausedUntilApprovedThenContinues();
    void rejectedIsNeverRunAndTheModelIsTold();
    void survivesANewBackend();
    void expiredCountsAsRejected();
    void anotherTenantCannotSeeOrDecide();
    void directCallWaitsForApproval();

private:
    void makeFixture();
    /// Starts a turn whose model calls post_note (and get_weather), returning the paused result.
    core::Result<core::TurnResult> pauseOnNote(const QString &text, bool withWeather = false);

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::shared_ptr<RecordingWriteTool> m_tool;
    std::unique_ptr<EngineFixture> m_fx;
};

void TestTurnApproval::initTestCase()
{
    QString error;
    QVERIFY2(test::startPostgresAndWeather(m_pg, m_weather, &error), qPrintable(error));
}

void TestTurnApproval::init()
{
    QString error;
    QVERIFY2(test::freshDatabaseAndProvider(m_pg, m_db, m_llm, &error), qPrintable(error));
    m_tool = std::make_shared<RecordingWriteTool>();
    makeFixture();
}

void TestTurnApproval::makeFixture()
{
    m_fx.reset();
    m_fx = std::make_unique<EngineFixture>(
        *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()),
        QList<core::FlowDefinition>{
            test::testFlow(kFlow, 4, 50, {QStringLiteral("get_weather"), QStringLiteral("post_note")})},
        EngineFixture::Limiter::Memory, QList<std::shared_ptr<tools::Tool>>{m_tool});
}

void TestTurnApproval::cleanup()
{
    m_fx.reset();
    m_llm.reset();
    m_db.reset();
}

void TestTurnApproval::cleanupTestCase() {}

core::Result<core::TurnResult> TestTurnApproval::pauseOnNote(const QString &text, bool withWeather)
{
    QList<core::ToolCall> calls{noteCall(QStringLiteral("call_note"), text)};
    if (withWeather)
        calls.prepend(test::weatherCall(QStringLiteral("call_weather"), QStringLiteral("Paris")));
    m_llm->enqueue(openai::streamReply({QStringLiteral("I will post it.")}, calls));
    return test::await(
        m_fx->service().chat(test::turnRequest(kTenant, kFlow, QStringLiteral("Post it")), m_fx->recorder()),
        20000);
}

void TestTurnApproval::pausedUntilApprovedThenContinues()
{
    auto paused = pauseOnNote(QStringLiteral("Deploy on Friday"), true);
    AGENCY_VERIFY_OK(paused);
    QCOMPARE(paused->finishReason, QStringLiteral("awaiting_approval"));
    QCOMPARE(paused->approvals.size(), 1);
    const core::ToolApproval approval = paused->approvals.first();
    QCOMPARE(approval.toolName, QStringLiteral("post_note"));
    // Exactly what would be sent: validated, the schema's default filled in.
    QCOMPARE(approval.arguments, (QJsonObject{{QStringLiteral("text"), QStringLiteral("Deploy on Friday")},
                                              {QStringLiteral("board"), QStringLiteral("team")}}));
    QCOMPARE(approval.status, ApprovalStatus::Pending);
    QCOMPARE(approval.toolCallId, QStringLiteral("call_note"));
    QVERIFY(paused->content.contains(approval.approvalId.toString(QUuid::WithoutBraces)));
    QVERIFY(m_tool->calls().isEmpty());
    // The front end heard which call waits.
    bool heard = false;
    for (const TurnEvent &e : m_fx->events())
        heard = heard || (e.kind == TurnEvent::Kind::ApprovalRequired &&
                          e.approval.approvalId == approval.approvalId &&
                          e.toolCall.id == QStringLiteral("call_note"));
    QVERIFY(heard);
    // The other call of the answer ran and is stored with it.
    QVERIFY(!m_weather.requests().isEmpty());
    const QUuid conversation = paused->conversationId;
    QCOMPARE(test::roles(m_fx->stored(kTenant, conversation)), QStringLiteral("user,assistant(2),tool"));

    // The conversation shows it waits, and takes no new message meanwhile.
    auto shown = test::await(m_fx->service().getConversation(kTenant, conversation.toString()));
    AGENCY_VERIFY_OK(shown);
    QVERIFY(shown->awaitingApproval);
    auto refused = test::await(
        m_fx->service().chat(test::turnRequest(kTenant, kFlow, QStringLiteral("hello?"), conversation)));
    QVERIFY(!refused);
    QCOMPARE(refused.error().code, ErrorCode::Conflict);
    QCOMPARE(refused.error().details.value(QStringLiteral("reason")).toString(),
             QStringLiteral("awaiting_approval"));
    QCOMPARE(m_llm->chatRequests().size(), 1);
    // The paused turn sent again (its turn id, e.g. an Idempotency-Key retry) waits the same way.
    core::TurnRequest resent = test::turnRequest(kTenant, kFlow, QStringLiteral("Post it"));
    resent.turnId = approval.turnId;
    QVERIFY(!resent.turnId.isNull());
    auto resentResult = test::await(m_fx->service().chat(resent));
    QVERIFY(!resentResult);
    QCOMPARE(resentResult.error().details.value(QStringLiteral("reason")).toString(),
             QStringLiteral("awaiting_approval"));
    QCOMPARE(m_llm->chatRequests().size(), 1);

    // Approved: the tool runs with the stored arguments, the turn goes on and its answer is stored.
    m_llm->enqueue(openai::streamReply({QStringLiteral("Posted as note 1.")}));
    core::AuditEntry actor;
    actor.actorName = QStringLiteral("ops-admin");
    auto approved = test::await(m_fx->service().approveToolCall(
        kTenant, approval.approvalId.toString(QUuid::WithoutBraces), actor, m_fx->recorder()));
    AGENCY_VERIFY_OK(approved);
    QCOMPARE(approved->approval.status, ApprovalStatus::Approved);
    QCOMPARE(approved->approval.decidedBy, QStringLiteral("ops-admin"));
    QVERIFY(approved->approval.result.has_value());
    QCOMPARE(approved->approval.result->value(QStringLiteral("posted")).toBool(), true);
    QCOMPARE(m_tool->calls().size(), 1);
    QCOMPARE(m_tool->calls().first().arguments, approval.arguments);
    QCOMPARE(m_tool->calls().first().tenantId, kTenant);
    QVERIFY2(approved->turn.has_value(),
             approved->turnError ? qPrintable(approved->turnError->toString()) : "");
    QCOMPARE(approved->turn->content, QStringLiteral("Posted as note 1."));
    const QList<core::Message> stored = m_fx->stored(kTenant, conversation);
    QCOMPARE(test::roles(stored), QStringLiteral("user,assistant(2),tool,tool,assistant"));
    QCOMPARE(test::storedProblems(stored), QString());
    QCOMPARE(stored.at(3).toolCallId, QStringLiteral("call_note"));
    QCOMPARE(parse(stored.at(3).content).value(QStringLiteral("note_id")).toInt(), 1);
    // The model got the whole round, the approved call's result included.
    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 2);
    QCOMPARE(test::roles(test::requestMessages(requests.at(1))),
             QStringLiteral("system,user,assistant(2),tool,tool"));

    shown = test::await(m_fx->service().getConversation(kTenant, conversation.toString()));
    AGENCY_VERIFY_OK(shown);
    QVERIFY(!shown->awaitingApproval);

    // A second decision is a conflict and runs nothing.
    auto again = test::await(m_fx->service().rejectToolCall(
        kTenant, approval.approvalId.toString(QUuid::WithoutBraces), {}, actor));
    QVERIFY(!again);
    QCOMPARE(again.error().code, ErrorCode::Conflict);
    QCOMPARE(again.error().details.value(QStringLiteral("status")).toString(), QStringLiteral("approved"));
    QCOMPARE(m_tool->calls().size(), 1);

    // Audited.
    QVERIFY(QTest::qWaitFor(
        [this] {
            auto audit = test::await(m_fx->service().listAudit({kTenant, 50, {}}));
            return audit && !audit->items.isEmpty() &&
                   audit->items.first().action == QLatin1String("approval.approve") &&
                   audit->items.first().actorName == QLatin1String("ops-admin");
        },
        5000));
}

void TestTurnApproval::rejectedIsNeverRunAndTheModelIsTold()
{
    auto paused = pauseOnNote(QStringLiteral("Delete the wiki"));
    AGENCY_VERIFY_OK(paused);
    QCOMPARE(paused->approvals.size(), 1);
    m_llm->enqueue(openai::streamReply({QStringLiteral("Understood, I did not post it.")}));
    core::AuditEntry actor;
    actor.actorName = QStringLiteral("ops-admin");
    auto rejected = test::await(
        m_fx->service().rejectToolCall(kTenant, paused->approvals.first().approvalId.toString(),
                                       QStringLiteral("not our policy"), actor, m_fx->recorder()));
    AGENCY_VERIFY_OK(rejected);
    QCOMPARE(rejected->approval.status, ApprovalStatus::Rejected);
    QCOMPARE(rejected->approval.reason, QStringLiteral("not our policy"));
    QVERIFY(m_tool->calls().isEmpty());
    QVERIFY(rejected->turn.has_value());
    QCOMPARE(rejected->turn->content, QStringLiteral("Understood, I did not post it."));
    const auto requests = m_llm->chatRequests();
    QCOMPARE(requests.size(), 2);
    const QJsonArray sent = test::requestMessages(requests.at(1));
    const QJsonObject toolMessage = sent.last().toObject();
    QCOMPARE(toolMessage.value(QStringLiteral("role")).toString(), QStringLiteral("tool"));
    const QJsonObject told = parse(toolMessage.value(QStringLiteral("content")).toString());
    QCOMPARE(told.value(QStringLiteral("success")).toBool(), false);
    QCOMPARE(told.value(QStringLiteral("error_code")).toString(), QStringLiteral("rejected"));
    QVERIFY(told.value(QStringLiteral("error")).toString().contains(QStringLiteral("not our policy")));
    QVERIFY(QTest::qWaitFor(
        [this] {
            auto audit = test::await(m_fx->service().listAudit({kTenant, 50, {}}));
            return audit && !audit->items.isEmpty() &&
                   audit->items.first().action == QLatin1String("approval.reject");
        },
        5000));
}

void TestTurnApproval::survivesANewBackend()
{
    auto paused = pauseOnNote(QStringLiteral("Release notes"));
    AGENCY_VERIFY_OK(paused);
    const QString id = paused->approvals.first().approvalId.toString();
    // A new process on the same database: the approval is a row, the turn continues from it.
    makeFixture();
    auto pending = test::await(m_fx->service().listApprovals(kTenant, QStringLiteral("pending")));
    AGENCY_VERIFY_OK(pending);
    QCOMPARE(pending->size(), 1);
    QCOMPARE(pending->first().arguments.value(QStringLiteral("text")).toString(),
             QStringLiteral("Release notes"));
    m_llm->enqueue(openai::streamReply({QStringLiteral("Done.")}));
    auto approved = test::await(m_fx->service().approveToolCall(kTenant, id, {}, m_fx->recorder()));
    AGENCY_VERIFY_OK(approved);
    QCOMPARE(m_tool->calls().size(), 1);
    QVERIFY(approved->turn.has_value());
    QCOMPARE(approved->turn->content, QStringLiteral("Done."));
    QCOMPARE(test::roles(m_fx->stored(kTenant, paused->conversationId)),
             QStringLiteral("user,assistant(1),tool,assistant"));
}

void TestTurnApproval::expiredCountsAsRejected()
{
    auto paused = pauseOnNote(QStringLiteral("Old news"));
    AGENCY_VERIFY_OK(paused);
    const QString id = paused->approvals.first().approvalId.toString(QUuid::WithoutBraces);
    // Its time runs out (APPROVAL_TTL_S past).
    auto aged = test::await(m_db->run<bool>([id](sql::DbConnection &conn) -> core::Result<bool> {
        auto q =
            conn.exec(QStringLiteral("UPDATE tool_approvals SET expires_at = now() - interval '1 second' "
                                     "WHERE approval_id = ?::uuid"),
                      {id}, QStringLiteral("age approval"));
        if (!q)
            return q.error();
        return q.value()->numRowsAffected() == 1;
    }));
    AGENCY_VERIFY_OK(aged);
    QVERIFY(aged.value());
    auto listed = test::await(m_fx->service().listApprovals(kTenant));
    AGENCY_VERIFY_OK(listed);
    QCOMPARE(listed->size(), 1);
    QCOMPARE(listed->first().status, ApprovalStatus::Expired);
    auto late = test::await(m_fx->service().approveToolCall(kTenant, id));
    QVERIFY(!late);
    QCOMPARE(late.error().code, ErrorCode::Conflict);
    QCOMPARE(late.error().details.value(QStringLiteral("status")).toString(), QStringLiteral("expired"));
    QVERIFY(m_tool->calls().isEmpty());
    // The conversation takes messages again; the unanswered call is left out of the prompt.
    m_llm->enqueue(openai::streamReply({QStringLiteral("Hello again.")}));
    auto next = test::await(m_fx->service().chat(
        test::turnRequest(kTenant, kFlow, QStringLiteral("hello?"), paused->conversationId),
        m_fx->recorder()));
    AGENCY_VERIFY_OK(next);
    QCOMPARE(next->content, QStringLiteral("Hello again."));
    QCOMPARE(test::promptProblems(test::requestMessages(m_llm->chatRequests().last()),
                                  m_fx->flow(kFlow).systemPrompt),
             QString());
}

void TestTurnApproval::anotherTenantCannotSeeOrDecide()
{
    auto paused = pauseOnNote(QStringLiteral("Secret plan"));
    AGENCY_VERIFY_OK(paused);
    const QString id = paused->approvals.first().approvalId.toString();
    const QString other = QStringLiteral("globex");
    auto seen = test::await(m_fx->service().getApproval(other, id));
    QVERIFY(!seen);
    QCOMPARE(seen.error().code, ErrorCode::NotFound);
    auto listed = test::await(m_fx->service().listApprovals(other));
    AGENCY_VERIFY_OK(listed);
    QVERIFY(listed->isEmpty());
    auto decided = test::await(m_fx->service().approveToolCall(other, id));
    QVERIFY(!decided);
    QCOMPARE(decided.error().code, ErrorCode::NotFound);
    QVERIFY(m_tool->calls().isEmpty());
    auto mine = test::await(m_fx->service().getApproval(kTenant, id));
    AGENCY_VERIFY_OK(mine);
    QCOMPARE(mine->status, ApprovalStatus::Pending);
    auto bad = test::await(m_fx->service().getApproval(kTenant, QStringLiteral("not-a-uuid")));
    QVERIFY(!bad);
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
}

void TestTurnApproval::directCallWaitsForApproval()
{
    auto invalid =
        test::await(m_fx->service().requestToolApproval(kTenant, QStringLiteral("post_note"), QJsonObject{}));
    QVERIFY(!invalid);
    QCOMPARE(invalid.error().code, ErrorCode::InvalidArgument);
    auto requested = test::await(m_fx->service().requestToolApproval(
        kTenant, QStringLiteral("post_note"), QJsonObject{{QStringLiteral("text"), QStringLiteral("hi")}}));
    AGENCY_VERIFY_OK(requested);
    QVERIFY(requested->conversationId.isNull());
    QVERIFY(m_tool->calls().isEmpty());
    auto approved = test::await(m_fx->service().approveToolCall(kTenant, requested->approvalId.toString()));
    AGENCY_VERIFY_OK(approved);
    QVERIFY(!approved->turn.has_value());
    QCOMPARE(m_tool->calls().size(), 1);
    auto stored = test::await(m_fx->service().getApproval(kTenant, requested->approvalId.toString()));
    AGENCY_VERIFY_OK(stored);
    QVERIFY(stored->result.has_value());
    QCOMPARE(stored->result->value(QStringLiteral("text")).toString(), QStringLiteral("hi"));
    QCOMPARE(stored->result->value(QStringLiteral("success")).toBool(), true);
}

QTEST_GUILESS_MAIN(TestTurnApproval)
#include "test_turnapproval.moc"
