// ConversationRepository::openTurn against a real PostgreSQL: one statement that creates or
// continues a conversation (tenant- and flow-scoped), stores the user message, sets a missing
// title and returns the history window; and many turns at once through commit groups.
#include "testdatabase.h"

#include "core/limits.h"
#include "db/conversationrepository.h"
#include "sql/dbexecutor.h"

#include <QtTest>

using namespace agency;
using namespace agency::db;
using agency::test::await;

namespace {
NewMessage msg(core::Role role, const QString &content)
{
    NewMessage m;
    m.role = role;
    m.content = content;
    return m;
}

QStringList contents(const QList<core::Message> &messages)
{
    QStringList out;
    for (const core::Message &m : messages)
        out.append(m.content);
    return out;
}
} // namespace

class TestOpenTurn : public QObject
{
    Q_OBJECT

private:
    test::TestDatabase m_db;
    std::unique_ptr<ConversationRepository> m_repo;

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }

    void init()
    {
        AGENCY_VERIFY_OK(m_db.reset(2));
        m_repo = std::make_unique<ConversationRepository>(m_db.executor());
    }

    void cleanup()
    {
        m_repo.reset();
        m_db.close();
    }

    void newConversation()
    {
        auto opened = await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), QUuid(),
                                             QStringLiteral("Rain in Paris?"),
                                             QStringLiteral("Will it rain in Paris?"), 20));
        AGENCY_VERIFY_OK(opened);
        QVERIFY(opened->created);
        QVERIFY(!opened->conversationId.isNull());
        QCOMPARE(contents(opened->history), QStringList{QStringLiteral("Will it rain in Paris?")});
        QCOMPARE(opened->history.constLast().role, core::Role::User);
        auto conv = await(m_repo->getConversation(QStringLiteral("acme"), opened->conversationId));
        AGENCY_VERIFY_OK(conv);
        QCOMPARE(conv->title, QStringLiteral("Rain in Paris?"));
        QCOMPARE(conv->flowType, QStringLiteral("weather"));
        QCOMPARE(conv->messageCount, 1);
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("SELECT conversation_count FROM tenants WHERE tenant_id = 'acme'")), 1);
        // The tenant's second conversation counts too.
        AGENCY_VERIFY_OK(await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), QUuid(),
                                                QStringLiteral("t"), QStringLiteral("again"), 20)));
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("SELECT conversation_count FROM tenants WHERE tenant_id = 'acme'")), 2);
    }

    void continuesWithTheNewestWindow()
    {
        auto c = await(m_repo->createConversation(QStringLiteral("acme"), QStringLiteral("weather")));
        AGENCY_VERIFY_OK(c);
        QList<NewMessage> earlier;
        for (int i = 1; i <= 6; ++i)
            earlier.append(
                msg(i % 2 ? core::Role::User : core::Role::Assistant, QStringLiteral("m%1").arg(i)));
        AGENCY_VERIFY_OK(await(m_repo->saveMessages(QStringLiteral("acme"), c->conversationId, earlier)));
        auto opened =
            await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), c->conversationId,
                                   QStringLiteral("First title"), QStringLiteral("m7"), 4));
        AGENCY_VERIFY_OK(opened);
        QVERIFY(!opened->created);
        QCOMPARE(opened->conversationId, c->conversationId);
        // Newest four, oldest first, the new user message last.
        QCOMPARE(contents(opened->history), (QStringList{QStringLiteral("m4"), QStringLiteral("m5"),
                                                         QStringLiteral("m6"), QStringLiteral("m7")}));
        auto conv = await(m_repo->getConversation(QStringLiteral("acme"), c->conversationId));
        QCOMPARE(conv->messageCount, 7);
        QCOMPARE(conv->title, QStringLiteral("First title")); // was empty: set
        QVERIFY(conv->updatedAt >= opened->history.constLast().createdAt);
        AGENCY_VERIFY_OK(
            await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), c->conversationId,
                                   QStringLiteral("Other title"), QStringLiteral("m8"), 1)));
        conv = await(m_repo->getConversation(QStringLiteral("acme"), c->conversationId));
        QCOMPARE(conv->title, QStringLiteral("First title")); // kept
        auto history = await(m_repo->history(QStringLiteral("acme"), c->conversationId, 2));
        QCOMPARE(contents(history.value()), (QStringList{QStringLiteral("m7"), QStringLiteral("m8")}));
    }

    void otherTenantOrFlowIsNotFoundAndStoresNothing()
    {
        auto c = await(m_repo->createConversation(QStringLiteral("acme"), QStringLiteral("weather")));
        AGENCY_VERIFY_OK(c);
        for (const auto &[tenant, flow] : {std::pair{QStringLiteral("globex"), QStringLiteral("weather")},
                                           std::pair{QStringLiteral("acme"), QStringLiteral("consulting")}}) {
            auto opened = await(m_repo->openTurn(tenant, flow, c->conversationId, QStringLiteral("x"),
                                                 QStringLiteral("x"), 5));
            QVERIFY(!opened.ok());
            QCOMPARE(opened.error().code, core::ErrorCode::NotFound);
        }
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), 0);
        auto conv = await(m_repo->getConversation(QStringLiteral("acme"), c->conversationId));
        QCOMPARE(conv->messageCount, 0);
        QCOMPARE(conv->title, QString());
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("SELECT count(*) FROM tenants WHERE tenant_id = 'globex'")), 0);
    }

    void invalidInputNeverReachesSql()
    {
        const QUuid none;
        const QString ok = QStringLiteral("ok");
        QCOMPARE(await(m_repo->openTurn(QString(), QStringLiteral("weather"), none, ok, ok, 5)).error().code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("Bad!"), none, ok, ok, 5))
                     .error()
                     .code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), none, ok, ok, 0))
                     .error()
                     .code,
                 core::ErrorCode::InvalidArgument);
        const QString huge(core::limits::kMaxContentChars + 1, u'x');
        QCOMPARE(await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), none, ok, huge, 5))
                     .error()
                     .code,
                 core::ErrorCode::PayloadTooLarge);
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM conversations")), 0);
    }

    void manyTurnsAtOnceThroughCommitGroups()
    {
        // New and continued conversations of a few tenants at once: the groups this forms lock
        // tenant and conversation rows of several turns in one transaction, and must neither
        // deadlock nor lose or mix up a message.
        QList<QUuid> existing;
        for (int i = 0; i < 8; ++i) {
            auto c = await(
                m_repo->createConversation(QStringLiteral("t%1").arg(i % 3), QStringLiteral("weather")));
            AGENCY_VERIFY_OK(c);
            existing.append(c->conversationId);
        }
        QList<core::Async<TurnOpening>> turns;
        for (int round = 0; round < 4; ++round) {
            for (int i = 0; i < 8; ++i) {
                const QString tenant = QStringLiteral("t%1").arg(i % 3);
                turns.append(m_repo->openTurn(tenant, QStringLiteral("weather"), existing.at(i),
                                              QStringLiteral("t"),
                                              QStringLiteral("c%1-r%2").arg(i).arg(round), 100));
                turns.append(m_repo->openTurn(tenant, QStringLiteral("weather"), QUuid(), QStringLiteral("t"),
                                              QStringLiteral("n%1-r%2").arg(i).arg(round), 100));
            }
        }
        for (const auto &turn : turns)
            AGENCY_VERIFY_OK(await(turn));
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), qint64{64});
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT sum(conversation_count) FROM tenants")),
                          qint64{8 + 32});
        for (int i = 0; i < 8; ++i) {
            auto history = await(m_repo->history(QStringLiteral("t%1").arg(i % 3), existing.at(i), 100));
            AGENCY_VERIFY_OK(history);
            QCOMPARE(history->size(), 4);
            for (const core::Message &m : history.value())
                QVERIFY(m.content.startsWith(QStringLiteral("c%1-").arg(i)));
        }
    }

    // A write whose acknowledgement was lost (the connection died after the commit) is run
    // again by the retry: it must find its rows rather than store them twice.
    void retriedOpeningAndWritesAreStoredOnce()
    {
        TurnOpenRequest open;
        open.tenantId = QStringLiteral("acme");
        open.flowType = QStringLiteral("weather");
        open.conversationId = QUuid::createUuid();
        open.create = true;
        open.title = QStringLiteral("t");
        open.userMessage = QStringLiteral("question");
        open.historyLimit = 10;
        open.lease.turnId = QUuid::createUuid();
        auto first = await(m_repo->openTurn(open));
        AGENCY_VERIFY_OK(first);
        auto again = await(m_repo->openTurn(open));
        AGENCY_VERIFY_OK(again);
        QCOMPARE(contents(again->history), QStringList{QStringLiteral("question")});
        QCOMPARE(again->history.constLast().id, first->history.constLast().id);
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), qint64{1});
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("SELECT conversation_count FROM tenants WHERE tenant_id = 'acme'")),
            qint64{1});
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT message_count FROM conversations")), qint64{1});

        QCOMPARE(again->messageCount, 1);
        TurnWrite write;
        write.lease = open.lease;
        write.storedBefore = 1;
        write.messageCountBefore = first->messageCount;
        const QList<NewMessage> round{msg(core::Role::Assistant, QStringLiteral("answer"))};
        auto saved = await(m_repo->saveTurnMessages(open.tenantId, open.conversationId, round, write));
        AGENCY_VERIFY_OK(saved);
        auto resaved = await(m_repo->saveTurnMessages(open.tenantId, open.conversationId, round, write));
        AGENCY_VERIFY_OK(resaved);
        QCOMPARE(resaved->size(), 1);
        QCOMPARE(resaved->constFirst().id, saved->constFirst().id);
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), qint64{2});
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT message_count FROM conversations")), qint64{2});
    }

    void leaseKeepsOtherTurnsOutUntilReleasedOrExpired()
    {
        auto c = await(m_repo->createConversation(QStringLiteral("acme"), QStringLiteral("weather")));
        AGENCY_VERIFY_OK(c);
        TurnOpenRequest open;
        open.tenantId = QStringLiteral("acme");
        open.flowType = QStringLiteral("weather");
        open.conversationId = c->conversationId;
        open.userMessage = QStringLiteral("first");
        open.lease.turnId = QUuid::createUuid();
        auto opened = await(m_repo->openTurn(open));
        AGENCY_VERIFY_OK(opened);
        QCOMPARE(opened->messageCount, 1);

        TurnOpenRequest other = open;
        other.userMessage = QStringLiteral("second");
        other.lease.turnId = QUuid::createUuid();
        auto refused = await(m_repo->openTurn(other));
        QVERIFY(!refused.ok());
        QCOMPARE(refused.error().code, core::ErrorCode::Conflict);
        QCOMPARE(refused.error().details.value(QStringLiteral("reason")).toString(),
                 QStringLiteral("turn_in_progress"));
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), qint64{1});

        // The other turn cannot write either, and the holder's last write frees the conversation.
        TurnWrite intruder;
        intruder.lease = other.lease;
        auto lost = await(m_repo->saveTurnMessages(
            open.tenantId, open.conversationId, {msg(core::Role::Assistant, QStringLiteral("x"))}, intruder));
        QVERIFY(!lost.ok());
        QCOMPARE(lost.error().details.value(QStringLiteral("reason")).toString(),
                 QStringLiteral("lease_lost"));
        TurnWrite last;
        last.lease = open.lease;
        last.storedBefore = 1;
        last.messageCountBefore = 1;
        last.release = true;
        AGENCY_VERIFY_OK(await(m_repo->saveTurnMessages(
            open.tenantId, open.conversationId, {msg(core::Role::Assistant, QStringLiteral("a"))}, last)));
        AGENCY_VERIFY_OK(await(m_repo->openTurn(other)));

        // A holder that died: its lease expires and the conversation opens again.
        auto renewed = await(m_repo->renewTurnLease(open.tenantId, open.conversationId, other.lease));
        AGENCY_VERIFY_OK(renewed);
        QVERIFY(renewed.value());
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("UPDATE conversations SET turn_expires_at = clock_timestamp() - "
                                      "interval '1 second' RETURNING 1")),
            qint64{1});
        TurnOpenRequest third = open;
        third.userMessage = QStringLiteral("third");
        third.lease.turnId = QUuid::createUuid();
        AGENCY_VERIFY_OK(await(m_repo->openTurn(third)));
        auto released = await(m_repo->releaseTurnLease(open.tenantId, open.conversationId, third.lease));
        AGENCY_VERIFY_OK(released);
        QVERIFY(released.value());
        AGENCY_COMPARE_OK(
            m_db.count(QStringLiteral("SELECT count(*) FROM conversations WHERE turn_holder IS NULL")),
            qint64{1});
    }

    // The history a turn opens with is what a prompt needs, metadata only on tool
    // results (the tool's name); the final write stores its call's usage row in the same statement.
    void openingHistoryCarriesMetadataOnlyOnToolResults()
    {
        auto c = await(m_repo->createConversation(QStringLiteral("acme"), QStringLiteral("weather")));
        AGENCY_VERIFY_OK(c);
        NewMessage assistant = msg(core::Role::Assistant, QStringLiteral("checking"));
        assistant.toolCalls = {
            core::ToolCall{QStringLiteral("call_1"), QStringLiteral("get_weather"), QStringLiteral("{}")}};
        assistant.metadata = {{QStringLiteral("provider"), QStringLiteral("openai")}};
        NewMessage tool = msg(core::Role::Tool, QStringLiteral("14 degrees"));
        tool.toolCallId = QStringLiteral("call_1");
        tool.metadata = {{QStringLiteral("tool"), QStringLiteral("get_weather")}};
        AGENCY_VERIFY_OK(
            await(m_repo->saveMessages(QStringLiteral("acme"), c->conversationId, {assistant, tool})));
        auto opened =
            await(m_repo->openTurn(QStringLiteral("acme"), QStringLiteral("weather"), c->conversationId,
                                   QStringLiteral("t"), QStringLiteral("and tomorrow?"), 10));
        AGENCY_VERIFY_OK(opened);
        QCOMPARE(contents(opened->history),
                 (QStringList{QStringLiteral("checking"), QStringLiteral("14 degrees"),
                              QStringLiteral("and tomorrow?")}));
        QVERIFY(opened->history.at(0).metadata.isEmpty());
        QCOMPARE(opened->history.at(0).toolCalls.size(), 1);
        QCOMPARE(opened->history.at(1).metadata.value(QStringLiteral("tool")).toString(),
                 QStringLiteral("get_weather"));
        // The stored rows keep their metadata.
        auto stored = await(m_repo->history(QStringLiteral("acme"), c->conversationId, 10));
        AGENCY_VERIFY_OK(stored);
        QCOMPARE(stored->at(0).metadata.value(QStringLiteral("provider")).toString(),
                 QStringLiteral("openai"));
    }

    void finalWriteStoresItsUsageRowWithTheMessages()
    {
        TurnOpenRequest open;
        open.tenantId = QStringLiteral("acme");
        open.flowType = QStringLiteral("weather");
        open.conversationId = QUuid::createUuid();
        open.create = true;
        open.userMessage = QStringLiteral("question");
        open.lease.turnId = QUuid::createUuid();
        open.deferFlush = true;
        auto opened = await(m_repo->openTurn(open));
        AGENCY_VERIFY_OK(opened);
        UsageRow usage;
        usage.provider = QStringLiteral("openai");
        usage.model = QStringLiteral("gpt-fake");
        usage.promptTokens = 12;
        usage.completionTokens = 7;
        usage.totalTokens = 19;
        usage.latencyMs = 5;
        usage.createdAtMs = 1'700'000'000'000;

        // Another turn's write stores nothing, usage row included.
        TurnWrite intruder;
        intruder.lease.turnId = QUuid::createUuid();
        intruder.usage = usage;
        QVERIFY(!await(m_repo->saveTurnMessages(open.tenantId, open.conversationId,
                                                {msg(core::Role::Assistant, QStringLiteral("x"))}, intruder))
                     .ok());
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM llm_usage")), qint64{0});

        TurnWrite last;
        last.lease = open.lease;
        last.storedBefore = 1;
        last.messageCountBefore = opened->messageCount;
        last.release = true;
        last.usage = usage;
        const QList<NewMessage> answer{msg(core::Role::Assistant, QStringLiteral("answer"))};
        AGENCY_VERIFY_OK(await(m_repo->saveTurnMessages(open.tenantId, open.conversationId, answer, last)));
        // Run again (its acknowledgement lost): found, not stored twice, usage row included.
        AGENCY_VERIFY_OK(await(m_repo->saveTurnMessages(open.tenantId, open.conversationId, answer, last)));
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), qint64{2});
        AGENCY_COMPARE_OK(
            m_db.count(
                QStringLiteral("SELECT count(*) FROM llm_usage WHERE tenant_id = 'acme' AND "
                               "conversation_id = '%1' AND provider = 'openai' AND model = 'gpt-fake' "
                               "AND prompt_tokens = 12 AND completion_tokens = 7 AND total_tokens = 19 "
                               "AND latency_ms = 5 AND outcome = 'ok' AND created_at = "
                               "to_timestamp(1700000000)")
                    .arg(open.conversationId.toString(QUuid::WithoutBraces))),
            qint64{1});
    }
};

QTEST_GUILESS_MAIN(TestOpenTurn)
#include "test_openturn.moc"
