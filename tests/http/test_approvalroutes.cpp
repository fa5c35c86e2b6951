// Approval before writes over HTTP: a chat turn that pauses on a write tool (approval_required in
// the stream, `approvals` in the answer, the conversation's state), GET /approvals and the
// decisions, tenant admins only (a member key is refused, another tenant's key sees nothing),
// a second decision is 409, and every decision is in the audit log.

#include "futurewait.h"
#include "httpfixture.h"
#include "sql/dbexecutor.h"
#include "writetool.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;
using test::HttpReply;
namespace openai = test::openai;

namespace {

const QString kTenant = QStringLiteral("acme");
const QString kFlow = QStringLiteral("notes");

QJsonObject chatBody(const QString &message, const QString &conversation = {}, bool stream = false)
{
    QJsonObject body{{QStringLiteral("message"), message}};
    if (!conversation.isEmpty())
        body.insert(QStringLiteral("conversation_id"), conversation);
    if (stream)
        body.insert(QStringLiteral("stream"), true);
    return body;
}

core::ToolCall noteCall(const QString &text)
{
    return test::call(QStringLiteral("call_note"), QStringLiteral("post_note"),
                      QStringLiteral("{\"text\":\"%1\"}").arg(text));
}

} // namespace

class TestApprovalRoutes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void pauseRejectAndConflict();
    void approveRunsTheCallAndTheTurnGoesOn();
    void streamAnnouncesTheApproval();

private:
    /// A turn paused on post_note: its answer.
    QJsonObject pause(const QString &text);

    test::TestPostgres m_pg;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<sql::DbExecutor> m_db;
    std::unique_ptr<test::FakeOpenAiServer> m_llm;
    std::shared_ptr<test::RecordingWriteTool> m_tool;
    std::unique_ptr<test::HttpFixture> m_fx;
    QString m_admin;
    QString m_member;
    QString m_otherAdmin;
};

void TestApprovalRoutes::initTestCase()
{
    QString error;
    QVERIFY2(test::startPostgresAndWeather(m_pg, m_weather, &error), qPrintable(error));
}

void TestApprovalRoutes::init()
{
    QString error;
    QVERIFY2(test::freshDatabaseAndProvider(m_pg, m_db, m_llm, &error), qPrintable(error));
    m_tool = std::make_shared<test::RecordingWriteTool>();
    m_fx = std::make_unique<test::HttpFixture>(
        *m_db, m_llm->baseUrl(), m_weather.baseUrl().toString(), httpserver::ServerConfig{},
        QHash<QString, QString>{},
        QList<core::FlowDefinition>{test::testFlow(kFlow, 4, 50, {QStringLiteral("post_note")})},
        QList<std::shared_ptr<tools::Tool>>{m_tool});
    QVERIFY2(m_fx->start(), qPrintable(m_fx->error()));
    m_admin = m_fx->createKey(kTenant, core::KeyRole::Admin);
    m_member = m_fx->createKey(kTenant, core::KeyRole::Member);
    m_otherAdmin = m_fx->createKey(QStringLiteral("globex"), core::KeyRole::Admin);
    QVERIFY(!m_admin.isEmpty() && !m_member.isEmpty() && !m_otherAdmin.isEmpty());
}

void TestApprovalRoutes::cleanup()
{
    m_fx.reset();
    m_llm.reset();
    m_db.reset();
}

QJsonObject TestApprovalRoutes::pause(const QString &text)
{
    m_llm->enqueue(openai::streamReply({}, {noteCall(text)}));
    const HttpReply reply =
        m_fx->postJson(QStringLiteral("/chat/") + kFlow, m_member, chatBody(QStringLiteral("Post it")));
    if (reply.status != 200)
        qWarning("chat: %s", test::describe(reply).constData());
    return reply.json();
}

void TestApprovalRoutes::pauseRejectAndConflict()
{
    const QJsonObject paused = pause(QStringLiteral("Friday deploy"));
    const QJsonArray approvals = paused.value(QStringLiteral("approvals")).toArray();
    QCOMPARE(approvals.size(), 1);
    const QJsonObject approval = approvals.first().toObject();
    QCOMPARE(approval.value(QStringLiteral("tool")).toString(), QStringLiteral("post_note"));
    QCOMPARE(approval.value(QStringLiteral("arguments")).toObject(),
             (QJsonObject{{QStringLiteral("text"), QStringLiteral("Friday deploy")},
                          {QStringLiteral("board"), QStringLiteral("team")}}));
    QCOMPARE(approval.value(QStringLiteral("status")).toString(), QStringLiteral("pending"));
    const QString id = approval.value(QStringLiteral("approval_id")).toString();
    const QString conversation = paused.value(QStringLiteral("conversation_id")).toString();

    // The conversation shows its state and refuses a new message meanwhile.
    HttpReply shown = m_fx->get(QStringLiteral("/conversations/") + conversation, m_member);
    AGENCY_COMPARE_STATUS(shown, 200);
    QCOMPARE(shown.json().value(QStringLiteral("state")).toString(), QStringLiteral("awaiting_approval"));
    HttpReply refused = m_fx->postJson(QStringLiteral("/chat/") + kFlow, m_member,
                                       chatBody(QStringLiteral("and?"), conversation));
    AGENCY_COMPARE_STATUS(refused, 409);

    // Tenant admins only; another tenant's admin does not see it.
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/approvals"), m_member), 403);
    AGENCY_COMPARE_STATUS(m_fx->postJson(QStringLiteral("/approvals/%1/approve").arg(id), m_member, {}), 403);
    HttpReply otherList = m_fx->get(QStringLiteral("/approvals"), m_otherAdmin);
    AGENCY_COMPARE_STATUS(otherList, 200);
    QVERIFY(otherList.json().value(QStringLiteral("items")).toArray().isEmpty());
    AGENCY_COMPARE_STATUS(m_fx->postJson(QStringLiteral("/approvals/%1/approve").arg(id), m_otherAdmin, {}),
                          404);
    HttpReply list = m_fx->get(QStringLiteral("/approvals?status=pending"), m_admin);
    AGENCY_COMPARE_STATUS(list, 200);
    QCOMPARE(list.json().value(QStringLiteral("items")).toArray().size(), 1);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/approvals?status=maybe"), m_admin), 422);
    AGENCY_COMPARE_STATUS(
        m_fx->postJson(QStringLiteral("/approvals/%1/reject").arg(id), m_admin, {{QStringLiteral("why"), 1}}),
        422);
    AGENCY_COMPARE_STATUS(m_fx->postJson(QStringLiteral("/approvals/not-an-id/reject"), m_admin, {}), 422);

    // Rejected with a reason: nothing sent, the model told, the turn answered.
    m_llm->enqueue(openai::streamReply({QStringLiteral("OK, not posted.")}));
    HttpReply rejected = m_fx->postJson(QStringLiteral("/approvals/%1/reject").arg(id), m_admin,
                                        {{QStringLiteral("reason"), QStringLiteral("no deploys on Friday")}});
    AGENCY_COMPARE_STATUS(rejected, 200);
    QCOMPARE(rejected.json().value(QStringLiteral("continued")).toBool(), true);
    QCOMPARE(rejected.json().value(QStringLiteral("response")).toString(), QStringLiteral("OK, not posted."));
    const QJsonObject decided = rejected.json().value(QStringLiteral("approval")).toObject();
    QCOMPARE(decided.value(QStringLiteral("status")).toString(), QStringLiteral("rejected"));
    QCOMPARE(decided.value(QStringLiteral("reason")).toString(), QStringLiteral("no deploys on Friday"));
    QVERIFY(m_tool->calls().isEmpty());
    const QJsonArray sent = test::requestMessages(m_llm->chatRequests().last());
    QVERIFY(sent.last()
                .toObject()
                .value(QStringLiteral("content"))
                .toString()
                .contains(QStringLiteral("no deploys on Friday")));

    // Decided: a second decision is a conflict.
    HttpReply again = m_fx->postJson(QStringLiteral("/approvals/%1/approve").arg(id), m_admin, {});
    AGENCY_COMPARE_STATUS(again, 409);
    QVERIFY(m_tool->calls().isEmpty());
    shown = m_fx->get(QStringLiteral("/conversations/") + conversation, m_member);
    QCOMPARE(shown.json().value(QStringLiteral("state")).toString(), QStringLiteral("idle"));

    QVERIFY(QTest::qWaitFor(
        [this] {
            auto audit = test::await(m_fx->service().listAudit({kTenant, 50, {}}));
            if (!audit)
                return false;
            for (const core::AuditEntry &e : audit->items) {
                if (e.action == QLatin1String("approval.reject") && !e.actorKeyId.isEmpty())
                    return true;
            }
            return false;
        },
        5000));
}

void TestApprovalRoutes::approveRunsTheCallAndTheTurnGoesOn()
{
    const QJsonObject paused = pause(QStringLiteral("Ship it"));
    const QString id = paused.value(QStringLiteral("approvals"))
                           .toArray()
                           .first()
                           .toObject()
                           .value(QStringLiteral("approval_id"))
                           .toString();
    QVERIFY(!id.isEmpty());
    m_llm->enqueue(openai::streamReply({QStringLiteral("Posted.")}));
    HttpReply approved = m_fx->request("POST", QStringLiteral("/approvals/%1/approve").arg(id), m_admin);
    AGENCY_COMPARE_STATUS(approved, 200);
    QCOMPARE(approved.json().value(QStringLiteral("response")).toString(), QStringLiteral("Posted."));
    const QJsonObject decided = approved.json().value(QStringLiteral("approval")).toObject();
    QCOMPARE(decided.value(QStringLiteral("status")).toString(), QStringLiteral("approved"));
    QCOMPARE(decided.value(QStringLiteral("result")).toObject().value(QStringLiteral("posted")).toBool(),
             true);
    QCOMPARE(m_tool->calls().size(), 1);
    QCOMPARE(m_tool->calls().first().arguments.value(QStringLiteral("text")).toString(),
             QStringLiteral("Ship it"));
    HttpReply one = m_fx->get(QStringLiteral("/approvals/") + id, m_admin);
    AGENCY_COMPARE_STATUS(one, 200);
    QCOMPARE(one.json().value(QStringLiteral("status")).toString(), QStringLiteral("approved"));
}

void TestApprovalRoutes::streamAnnouncesTheApproval()
{
    m_llm->enqueue(openai::streamReply({}, {noteCall(QStringLiteral("Streamed"))}));
    const HttpReply reply = m_fx->postJson(QStringLiteral("/chat/") + kFlow, m_member,
                                           chatBody(QStringLiteral("Post it"), {}, true));
    AGENCY_COMPARE_STATUS(reply, 200);
    QVERIFY2(reply.body.contains("event: approval_required"), reply.body.constData());
    QVERIFY(reply.body.contains("\"tool\":\"post_note\""));
    QVERIFY(reply.body.contains("event: done"));
    QVERIFY(m_tool->calls().isEmpty());
}

QTEST_GUILESS_MAIN(TestApprovalRoutes)
#include "test_approvalroutes.moc"
