// ConversationRepository against a real PostgreSQL: tenant scoping of every method, ordering,
// keyset pagination under concurrent inserts, search, cascade delete, validation.
#include "testdatabase.h"

#include "core/limits.h"
#include "core/validation.h"
#include "db/conversationrepository.h"
#include "sql/dbexecutor.h"

#include <QSet>
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
} // namespace

class TestConversationRepository : public QObject
{
    Q_OBJECT

private:
    test::TestDatabase m_db;
    std::unique_ptr<ConversationRepository> m_repo;

    core::Conversation create(const QString &tenant, const QString &flow = QStringLiteral("weather"))
    {
        auto created = await(m_repo->createConversation(tenant, flow));
        if (!created)
            qFatal("create failed: %s", qPrintable(created.error().toString()));
        return created.value();
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }

    void init()
    {
        AGENCY_VERIFY_OK(m_db.reset(3));
        m_repo = std::make_unique<ConversationRepository>(m_db.executor());
    }

    void cleanup()
    {
        m_repo.reset();
        m_db.close();
    }

    void createAndGet()
    {
        auto created = await(m_repo->createConversation(QStringLiteral("acme"), QStringLiteral("weather"),
                                                        {{QStringLiteral("k"), 1}}, QStringLiteral("Hi")));
        AGENCY_VERIFY_OK(created);
        QVERIFY(!created->conversationId.isNull());
        QCOMPARE(created->tenantId, QStringLiteral("acme"));
        QCOMPARE(created->metadata.value(QStringLiteral("k")).toInt(), 1);
        QCOMPARE(created->messageCount, 0);
        auto got = await(m_repo->getConversation(QStringLiteral("acme"), created->conversationId));
        AGENCY_VERIFY_OK(got);
        QCOMPARE(got->title, QStringLiteral("Hi"));
        QCOMPARE(got->createdAt, created->createdAt);
        QVERIFY(got->createdAt.isValid());
        QCOMPARE(got->createdAt.timeSpec(), Qt::UTC);
    }

    void otherTenantSeesNothingAndChangesNothing()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        AGENCY_VERIFY_OK(await(m_repo->saveMessage(QStringLiteral("acme"), c.conversationId,
                                                   msg(core::Role::User, QStringLiteral("secret plans")))));
        const QString other = QStringLiteral("globex");
        create(other); // the other tenant exists and has data of its own

        QCOMPARE(await(m_repo->getConversation(other, c.conversationId)).error().code,
                 core::ErrorCode::NotFound);
        QCOMPARE(await(m_repo->history(other, c.conversationId, 10)).error().code, core::ErrorCode::NotFound);
        core::MessageQuery mq;
        mq.tenantId = other;
        mq.conversationId = c.conversationId;
        QCOMPARE(await(m_repo->messages(mq)).error().code, core::ErrorCode::NotFound);
        QCOMPARE(
            await(m_repo->saveMessage(other, c.conversationId, msg(core::Role::User, QStringLiteral("x"))))
                .error()
                .code,
            core::ErrorCode::NotFound);
        QCOMPARE(await(m_repo->setTitle(other, c.conversationId, QStringLiteral("pwned"))).error().code,
                 core::ErrorCode::NotFound);
        QCOMPARE(await(m_repo->deleteConversation(other, c.conversationId)).error().code,
                 core::ErrorCode::NotFound);
        core::ConversationQuery lq;
        lq.tenantId = other;
        auto listed = await(m_repo->listConversations(lq));
        AGENCY_VERIFY_OK(listed);
        QCOMPARE(listed->items.size(), 1);
        QVERIFY(listed->items.first().conversationId != c.conversationId);
        core::SearchQuery sq;
        sq.tenantId = other;
        sq.text = QStringLiteral("secret");
        auto found = await(m_repo->search(sq));
        AGENCY_VERIFY_OK(found);
        QVERIFY(found->isEmpty());

        // The owner still sees everything untouched.
        auto history = await(m_repo->history(QStringLiteral("acme"), c.conversationId, 10));
        AGENCY_VERIFY_OK(history);
        QCOMPARE(history->size(), 1);
        auto mine = await(m_repo->getConversation(QStringLiteral("acme"), c.conversationId));
        AGENCY_VERIFY_OK(mine);
        QCOMPARE(mine->title, QString());
        QCOMPARE(mine->messageCount, 1);
    }

    void saveMessagesIsAtomicAndBumpsActivity()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        NewMessage assistant = msg(core::Role::Assistant, QString());
        assistant.toolCalls = {core::ToolCall{QStringLiteral("call_1"), QStringLiteral("get_weather"),
                                              QStringLiteral("{\"location\":\"Paris\"}")}};
        NewMessage tool = msg(core::Role::Tool, QStringLiteral("{\"success\":true}"));
        tool.toolCallId = QStringLiteral("call_1");
        tool.metadata = {{QStringLiteral("tool"), QStringLiteral("get_weather")}};
        auto saved =
            await(m_repo->saveMessages(QStringLiteral("acme"), c.conversationId,
                                       {msg(core::Role::User, QStringLiteral("weather?")), assistant, tool}));
        AGENCY_VERIFY_OK(saved);
        QCOMPARE(saved->size(), 3);
        QVERIFY(saved->at(0).id < saved->at(1).id && saved->at(1).id < saved->at(2).id);
        QCOMPARE(saved->at(1).toolCalls, assistant.toolCalls);
        QCOMPARE(saved->at(2).toolCallId, QStringLiteral("call_1"));
        QCOMPARE(saved->at(2).metadata.value(QStringLiteral("tool")).toString(),
                 QStringLiteral("get_weather"));
        QCOMPARE(saved->at(0).flowType, QStringLiteral("weather"));

        auto after = await(m_repo->getConversation(QStringLiteral("acme"), c.conversationId));
        AGENCY_VERIFY_OK(after);
        QCOMPARE(after->messageCount, 3);
        QVERIFY(after->updatedAt > c.updatedAt);

        // One invalid message in a batch: nothing of the batch is stored.
        NewMessage badTool = msg(core::Role::Tool, QStringLiteral("no call id"));
        auto rejected =
            await(m_repo->saveMessages(QStringLiteral("acme"), c.conversationId,
                                       {msg(core::Role::User, QStringLiteral("kept?")), badTool}));
        QCOMPARE(rejected.error().code, core::ErrorCode::InvalidArgument);
        auto history = await(m_repo->history(QStringLiteral("acme"), c.conversationId, 100));
        AGENCY_VERIFY_OK(history);
        QCOMPARE(history->size(), 3);
    }

    void validationErrorsNeverReachSql()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        QCOMPARE(await(m_repo->createConversation(QString(), QStringLiteral("weather"))).error().code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(await(m_repo->createConversation(QStringLiteral("acme"), QStringLiteral("Bad Flow!")))
                     .error()
                     .code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(await(m_repo->createConversation(QStringLiteral("a'; drop table x;--"),
                                                  QStringLiteral("weather")))
                     .error()
                     .code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(await(m_repo->getConversation(QStringLiteral("acme"), QUuid())).error().code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(core::parseConversationId(QStringLiteral("not-a-uuid")).error().code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(core::parseRole(QStringLiteral("wizard")).error().code, core::ErrorCode::InvalidArgument);
        QCOMPARE(core::parseRole(QStringLiteral("tool")).value(), core::Role::Tool);
        const QString huge(core::limits::kMaxContentChars + 1, u'x');
        auto tooBig =
            await(m_repo->saveMessage(QStringLiteral("acme"), c.conversationId, msg(core::Role::User, huge)));
        QCOMPARE(tooBig.error().code, core::ErrorCode::PayloadTooLarge);
        QCOMPARE(tooBig.error().details.value(QStringLiteral("field")).toString(), QStringLiteral("content"));
        const QString atLimit(core::limits::kMaxContentChars, u'y');
        AGENCY_VERIFY_OK(await(
            m_repo->saveMessage(QStringLiteral("acme"), c.conversationId, msg(core::Role::User, atLimit))));
        QCOMPARE(await(m_repo->history(QStringLiteral("acme"), c.conversationId, 0)).error().code,
                 core::ErrorCode::InvalidArgument);
        core::ConversationQuery q;
        q.tenantId = QStringLiteral("acme");
        q.cursor = QStringLiteral("garbage!!");
        QCOMPARE(await(m_repo->listConversations(q)).error().code, core::ErrorCode::InvalidArgument);
    }

    void historyReturnsMostRecentOldestFirstWithIdTies()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        // Messages saved in one call share a timestamp: the id must break the tie.
        QList<NewMessage> batch;
        for (int i = 0; i < 10; ++i)
            batch.append(msg(core::Role::User, QStringLiteral("m%1").arg(i)));
        AGENCY_VERIFY_OK(await(m_repo->saveMessages(QStringLiteral("acme"), c.conversationId, batch)));
        AGENCY_VERIFY_OK(await(m_repo->saveMessages(QStringLiteral("acme"), c.conversationId,
                                                    {msg(core::Role::Assistant, QStringLiteral("m10"))})));
        auto last4 = await(m_repo->history(QStringLiteral("acme"), c.conversationId, 4));
        AGENCY_VERIFY_OK(last4);
        QStringList contents;
        for (const core::Message &m : last4.value())
            contents << m.content;
        QCOMPARE(contents, (QStringList{QStringLiteral("m7"), QStringLiteral("m8"), QStringLiteral("m9"),
                                        QStringLiteral("m10")}));
        auto empty =
            await(m_repo->history(QStringLiteral("acme"), create(QStringLiteral("acme")).conversationId, 5));
        AGENCY_VERIFY_OK(empty);
        QVERIFY(empty->isEmpty());
    }

    void messagePagesWalkEverythingOnce()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        QList<NewMessage> batch;
        for (int i = 0; i < 25; ++i)
            batch.append(msg(core::Role::User, QString::number(i)));
        AGENCY_VERIFY_OK(await(m_repo->saveMessages(QStringLiteral("acme"), c.conversationId, batch)));
        core::MessageQuery q;
        q.tenantId = QStringLiteral("acme");
        q.conversationId = c.conversationId;
        q.limit = 10;
        QStringList seen;
        int pages = 0;
        do {
            auto page = await(m_repo->messages(q));
            AGENCY_VERIFY_OK(page);
            for (const core::Message &m : page->items)
                seen << m.content;
            q.cursor = page->nextCursor;
            ++pages;
        } while (!q.cursor.isEmpty() && pages < 10);
        QCOMPARE(pages, 3);
        QCOMPARE(seen.size(), 25);
        for (int i = 0; i < 25; ++i)
            QCOMPARE(seen.at(i), QString::number(i));
    }

    void listNewestActivityFirstWithFlowFilter()
    {
        const core::Conversation a = create(QStringLiteral("acme"), QStringLiteral("weather"));
        const core::Conversation b = create(QStringLiteral("acme"), QStringLiteral("consulting"));
        const core::Conversation c = create(QStringLiteral("acme"), QStringLiteral("weather"));
        // New activity on the oldest moves it to the top.
        AGENCY_VERIFY_OK(await(m_repo->saveMessage(QStringLiteral("acme"), a.conversationId,
                                                   msg(core::Role::User, QStringLiteral("bump")))));
        core::ConversationQuery q;
        q.tenantId = QStringLiteral("acme");
        auto all = await(m_repo->listConversations(q));
        AGENCY_VERIFY_OK(all);
        QCOMPARE(all->items.size(), 3);
        QCOMPARE(all->items[0].conversationId, a.conversationId);
        QCOMPARE(all->items[0].messageCount, 1);
        QCOMPARE(all->items[1].conversationId, c.conversationId);
        QCOMPARE(all->items[2].conversationId, b.conversationId);
        QVERIFY(all->nextCursor.isEmpty());
        q.flowType = QStringLiteral("weather");
        auto weather = await(m_repo->listConversations(q));
        AGENCY_VERIFY_OK(weather);
        QCOMPARE(weather->items.size(), 2);
        for (const core::Conversation &conv : weather->items)
            QCOMPARE(conv.flowType, QStringLiteral("weather"));
    }

    void cursorPaginationStaysCorrectWhileRowsAreInserted()
    {
        QSet<QUuid> original;
        for (int i = 0; i < 23; ++i)
            original.insert(create(QStringLiteral("acme")).conversationId);
        core::ConversationQuery q;
        q.tenantId = QStringLiteral("acme");
        q.limit = 5;
        QList<QUuid> seen;
        QSet<QUuid> inserted;
        for (int pages = 0; pages < 20; ++pages) {
            auto page = await(m_repo->listConversations(q));
            AGENCY_VERIFY_OK(page);
            for (const core::Conversation &c : page->items)
                seen.append(c.conversationId);
            // Someone starts new conversations between our page requests.
            inserted.insert(create(QStringLiteral("acme")).conversationId);
            q.cursor = page->nextCursor;
            if (q.cursor.isEmpty())
                break;
        }
        QCOMPARE(seen.size(), 23); // no duplicates, no skips, and newer rows do not leak in
        QCOMPARE(QSet<QUuid>(seen.cbegin(), seen.cend()), original);
    }

    void searchWithinTenantAndFlow()
    {
        const core::Conversation w = create(QStringLiteral("acme"), QStringLiteral("weather"));
        const core::Conversation k = create(QStringLiteral("acme"), QStringLiteral("consulting"));
        const core::Conversation other = create(QStringLiteral("globex"), QStringLiteral("weather"));
        AGENCY_VERIFY_OK(await(
            m_repo->saveMessage(QStringLiteral("acme"), w.conversationId,
                                msg(core::Role::User, QStringLiteral("Is it raining in Paris today?")))));
        AGENCY_VERIFY_OK(await(m_repo->saveMessage(
            QStringLiteral("acme"), k.conversationId,
            msg(core::Role::Assistant, QStringLiteral("Your Paris office costs too much.")))));
        AGENCY_VERIFY_OK(
            await(m_repo->saveMessage(QStringLiteral("globex"), other.conversationId,
                                      msg(core::Role::User, QStringLiteral("Paris Paris Paris")))));
        core::SearchQuery q;
        q.tenantId = QStringLiteral("acme");
        q.text = QStringLiteral("paris");
        auto hits = await(m_repo->search(q));
        AGENCY_VERIFY_OK(hits);
        QCOMPARE(hits->size(), 2);
        QCOMPARE(hits->at(0).conversationId, k.conversationId); // newest first
        QVERIFY2(hits->at(0).snippet.contains(QStringLiteral("[[Paris]]")), qPrintable(hits->at(0).snippet));
        q.flowType = QStringLiteral("weather");
        hits = await(m_repo->search(q));
        AGENCY_VERIFY_OK(hits);
        QCOMPARE(hits->size(), 1);
        QCOMPARE(hits->at(0).conversationId, w.conversationId);
        q.text = QStringLiteral("\"raining in paris\" -office");
        q.flowType.clear();
        hits = await(m_repo->search(q));
        AGENCY_VERIFY_OK(hits);
        QCOMPARE(hits->size(), 1);
        q.text = QStringLiteral("   ");
        QCOMPARE(await(m_repo->search(q)).error().code, core::ErrorCode::InvalidArgument);
    }

    void deleteCascadesMessages()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        const core::Conversation keep = create(QStringLiteral("acme"));
        AGENCY_VERIFY_OK(await(m_repo->saveMessages(
            QStringLiteral("acme"), c.conversationId,
            {msg(core::Role::User, QStringLiteral("a")), msg(core::Role::Assistant, QStringLiteral("b"))})));
        AGENCY_VERIFY_OK(await(m_repo->saveMessage(QStringLiteral("acme"), keep.conversationId,
                                                   msg(core::Role::User, QStringLiteral("c")))));
        auto deleted = await(m_repo->deleteConversation(QStringLiteral("acme"), c.conversationId));
        AGENCY_VERIFY_OK(deleted);
        QCOMPARE(await(m_repo->getConversation(QStringLiteral("acme"), c.conversationId)).error().code,
                 core::ErrorCode::NotFound);
        QCOMPARE(await(m_repo->deleteConversation(QStringLiteral("acme"), c.conversationId)).error().code,
                 core::ErrorCode::NotFound);
        AGENCY_COMPARE_OK(m_db.count(QStringLiteral("SELECT count(*) FROM messages")), qint64{1});
    }

    void concurrentSavesKeepEveryMessage()
    {
        const core::Conversation c = create(QStringLiteral("acme"));
        QList<core::Async<QList<core::Message>>> futures;
        for (int i = 0; i < 40; ++i) {
            futures.append(m_repo->saveMessages(QStringLiteral("acme"), c.conversationId,
                                                {msg(core::Role::User, QStringLiteral("q%1").arg(i)),
                                                 msg(core::Role::Assistant, QStringLiteral("a%1").arg(i))}));
        }
        for (const auto &f : futures)
            AGENCY_VERIFY_OK(await(f));
        auto history = await(m_repo->history(QStringLiteral("acme"), c.conversationId, 1000));
        AGENCY_VERIFY_OK(history);
        QCOMPARE(history->size(), 80);
        // Each turn's pair stays adjacent and in order: timestamps are taken under the row lock.
        for (int i = 0; i < 80; i += 2) {
            QVERIFY(history->at(i).content.startsWith(u'q'));
            QCOMPARE(history->at(i + 1).content.mid(1), history->at(i).content.mid(1));
        }
        auto conv = await(m_repo->getConversation(QStringLiteral("acme"), c.conversationId));
        QCOMPARE(conv->messageCount, 80);
    }
};

QTEST_GUILESS_MAIN(TestConversationRepository)
#include "test_conversationrepository.moc"
