// AgencyService::chatWithHistory, the entry point behind the OpenAI-compatible endpoint: a
// client's messages become the stored history of a new conversation (in one transaction, all or
// nothing), its system messages follow the flow's own prompt on every call, and the conversation
// then continues like any other.

#include "core/limits.h"
#include "db/conversationrepository.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QTest>

using namespace agency;
using core::ChatMessage;
using core::ErrorCode;
using core::Role;
using core::TurnRequest;
using test::EngineFixture;
using test::FakeOpenAiServer;
namespace openai = test::openai;

namespace {

TurnRequest request(const QString &tenant, const QString &message, const QUuid &conversation = {})
{
    TurnRequest r;
    r.tenantId = tenant;
    r.flowType = QStringLiteral("consulting");
    r.message = message;
    r.conversationId = conversation;
    return r;
}

ChatMessage chatMessage(Role role, const QString &content)
{
    ChatMessage m;
    m.role = role;
    m.content = content;
    return m;
}

QList<ChatMessage> clientHistory()
{
    return {chatMessage(Role::System, QStringLiteral("Answer in French.")),
            chatMessage(Role::User, QStringLiteral("q1")),
            chatMessage(Role::Assistant, QStringLiteral("a1"))};
}

} // namespace

class TestSeededChat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        auto params = m_pg.freshDatabase();
        AGENCY_VERIFY_OK(params);
        m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
        QVERIFY(m_weather.listen());
    }

    void init()
    {
        m_llm = std::make_unique<FakeOpenAiServer>();
        QVERIFY(m_llm->listen());
        m_fx = std::make_unique<EngineFixture>(
            *m_db, test::engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString()));
    }

    void cleanup()
    {
        m_fx.reset();
        m_llm.reset();
    }

    void cleanupTestCase() { m_db.reset(); }

    void historyBecomesTheConversation()
    {
        const QString tenant = QStringLiteral("seed-acme");
        m_llm->enqueue(openai::streamReply({QStringLiteral("r\u00e9ponse 2")}));
        m_llm->enqueue(openai::streamReply({QStringLiteral("r\u00e9ponse 3")}));
        auto first = test::await(m_fx->service().chatWithHistory(request(tenant, QStringLiteral("q2")),
                                                                 clientHistory(), m_fx->recorder()));
        AGENCY_VERIFY_OK(first);
        QCOMPARE(first->content, QStringLiteral("r\u00e9ponse 2"));

        // Stored in order: the client's three messages, then the turn.
        const QList<core::Message> stored = m_fx->stored(tenant, first->conversationId);
        QCOMPARE(stored.size(), 5);
        QCOMPARE(stored.at(0).role, Role::System);
        QCOMPARE(stored.at(0).content, QStringLiteral("Answer in French."));
        QCOMPARE(stored.at(0).metadata.value(QStringLiteral("source")).toString(),
                 QStringLiteral("client_history"));
        QCOMPARE(stored.at(1).content, QStringLiteral("q1"));
        QCOMPARE(stored.at(2).role, Role::Assistant);
        QCOMPARE(stored.at(3).content, QStringLiteral("q2"));
        QCOMPARE(stored.at(4).content, QStringLiteral("r\u00e9ponse 2"));
        auto conversation = test::await(m_fx->conversations().getConversation(tenant, first->conversationId));
        AGENCY_VERIFY_OK(conversation);
        QCOMPARE(conversation->messageCount, qint64(5));
        QCOMPARE(conversation->title, QStringLiteral("q2")); // the turn titles it

        // Continued like any other: the client's system message still follows the flow's prompt.
        auto second =
            test::await(m_fx->service().chat(request(tenant, QStringLiteral("q3"), first->conversationId)));
        AGENCY_VERIFY_OK(second);
        const QString flowPrompt = m_fx->flow(QStringLiteral("consulting")).systemPrompt;
        for (const auto &call : m_llm->chatRequests()) {
            const QJsonArray sent = test::requestMessages(call);
            QCOMPARE(test::promptProblems(sent, flowPrompt), QString());
            QCOMPARE(sent.at(1)[QStringLiteral("role")].toString(), QStringLiteral("system"));
            QCOMPARE(sent.at(1)[QStringLiteral("content")].toString(), QStringLiteral("Answer in French."));
            QCOMPARE(sent.at(2)[QStringLiteral("content")].toString(), QStringLiteral("q1"));
        }
        QCOMPARE(test::roles(test::requestMessages(m_llm->chatRequests().at(1))),
                 QStringLiteral("system,system,user,assistant,user,assistant,user"));
    }

    void refusedHistoryStoresNothing_data()
    {
        QTest::addColumn<int>("problem");
        QTest::addColumn<int>("code");
        QTest::newRow("unknown flow") << 0 << int(ErrorCode::NotFound);
        QTest::newRow("tool message") << 1 << int(ErrorCode::InvalidArgument);
        QTest::newRow("oversized message") << 2 << int(ErrorCode::PayloadTooLarge);
        QTest::newRow("continuing with a history") << 3 << int(ErrorCode::InvalidArgument);
        QTest::newRow("empty message") << 4 << int(ErrorCode::InvalidArgument);
    }

    void refusedHistoryStoresNothing()
    {
        QFETCH(int, problem);
        QFETCH(int, code);
        const QString tenant = QStringLiteral("seed-refused-%1").arg(problem);
        TurnRequest r = request(tenant, problem == 4 ? QStringLiteral("  ") : QStringLiteral("q"));
        QList<ChatMessage> history = clientHistory();
        if (problem == 0)
            r.flowType = QStringLiteral("no-such-flow");
        if (problem == 1) {
            ChatMessage tool = chatMessage(Role::Tool, QStringLiteral("{}"));
            tool.toolCallId = QStringLiteral("c1");
            history.append(tool);
        }
        if (problem == 2) // the last message is over the limit: the earlier ones must not stay
            history.append(chatMessage(Role::User, QString(core::limits::kMaxContentChars + 1, u'x')));
        if (problem == 3)
            r.conversationId = QUuid::createUuid();
        auto result = test::await(m_fx->service().chatWithHistory(r, history));
        QVERIFY(!result);
        QCOMPARE(int(result.error().code), code);
        auto page = test::await(m_fx->service().listConversations({tenant, {}, 50, {}}));
        AGENCY_VERIFY_OK(page);
        QVERIFY(page->items.isEmpty());
        QCOMPARE(m_llm->chatRequests().size(), 0);
    }

private:
    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<EngineFixture> m_fx;
};

QTEST_GUILESS_MAIN(TestSeededChat)
#include "test_seededchat.moc"
