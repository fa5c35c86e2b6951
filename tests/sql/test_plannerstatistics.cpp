// PlannerStatistics against a real PostgreSQL: the tables a turn writes are analyzed once they hold
// rows, after which a foreign-key lookup of one conversation uses the conversation's own unique
// index instead of scanning its tenant; watching stops once every table has statistics, or on an
// error.
#include "testdatabase.h"

#include "db/conversationrepository.h"
#include "sql/dbexecutor.h"
#include "sql/plannerstatistics.h"

#include <QtTest>

using namespace agency;
using namespace agency::sql;
using agency::test::await;

namespace {

constexpr auto kUniqueIndex = "conversations_conversation_id_tenant_id_flow_type_key";

/// `count` conversations of tenant t1 and flow consulting, with one user message each.
QString conversationsWithMessages(int count)
{
    return QStringLiteral("INSERT INTO tenants (tenant_id) VALUES ('t1') ON CONFLICT DO NOTHING; "
                          "INSERT INTO conversations (conversation_id, tenant_id, flow_type) "
                          "SELECT gen_random_uuid(), 't1', 'consulting' FROM generate_series(1, %1); "
                          "INSERT INTO messages (conversation_id, tenant_id, flow_type, role, content) "
                          "SELECT conversation_id, tenant_id, flow_type, 'user', 'hello' FROM conversations "
                          "WHERE tenant_id = 't1' AND message_count = 0; "
                          "UPDATE conversations SET message_count = 1 WHERE tenant_id = 't1';")
        .arg(count);
}

} // namespace

class TestPlannerStatistics : public QObject
{
    Q_OBJECT

private:
    test::TestDatabase m_db;

    /// How PostgreSQL would run the lookup a message's foreign key check makes (EXPLAIN cannot be
    /// prepared, so a function runs it).
    core::Result<QString> foreignKeyLookupPlan()
    {
        if (auto made = m_db.exec(QStringLiteral(
                "CREATE OR REPLACE FUNCTION test_plan_of(q text) RETURNS SETOF text LANGUAGE plpgsql AS "
                "$$ DECLARE r text; BEGIN FOR r IN EXECUTE 'EXPLAIN ' || q LOOP RETURN NEXT r; END LOOP; END "
                "$$"));
            !made)
            return made.error();
        auto plan = m_db.scalar(QStringLiteral(
            "SELECT string_agg(p, E'\\n') FROM test_plan_of('SELECT 1 FROM ONLY conversations x WHERE "
            "conversation_id = ''6f1c0a9e-1111-4111-8111-111111111111'' AND tenant_id = ''t1'' AND flow_type "
            "= ''consulting'' "
            "FOR KEY SHARE OF x') p"));
        if (!plan)
            return plan.error();
        return plan->toString();
    }

    core::Result<qint64> tablesWithStatistics()
    {
        return m_db.count(QStringLiteral("SELECT count(DISTINCT tablename) FROM pg_stats WHERE schemaname = "
                                         "current_schema() AND tablename IN ('conversations', 'messages', "
                                         "'llm_usage')"));
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }
    void init() { AGENCY_VERIFY_OK(m_db.reset(2)); }
    void cleanup() { m_db.close(); }

    void tablesWithFewRowsAreLeftAlone()
    {
        AGENCY_VERIFY_OK(m_db.exec(conversationsWithMessages(3)));
        PlannerStatistics statistics(
            m_db.executor(), PlannerStatistics::Options{10, 2000, db::ConversationRepository::turnTables()});
        AGENCY_COMPARE_OK(await(statistics.checkNow()), db::ConversationRepository::turnTables());
        AGENCY_COMPARE_OK(tablesWithStatistics(), qint64(0));
    }

    void tablesWithRowsAreAnalyzedAndLookupsUseTheUniqueIndex()
    {
        AGENCY_VERIFY_OK(m_db.exec(conversationsWithMessages(2000)));
        PlannerStatistics statistics(
            m_db.executor(), PlannerStatistics::Options{10, 2000, db::ConversationRepository::turnTables()});
        // llm_usage has no row yet: it stays on the list.
        AGENCY_COMPARE_OK(await(statistics.checkNow()), QStringList{QStringLiteral("llm_usage")});
        AGENCY_COMPARE_OK(tablesWithStatistics(), qint64(2));
        AGENCY_ASSIGN_OK(plan, foreignKeyLookupPlan());
        QVERIFY2(plan.contains(QLatin1String(kUniqueIndex)), qPrintable(plan));
    }

    void watchingStopsOnceEveryTableHasStatistics()
    {
        AGENCY_VERIFY_OK(m_db.exec(conversationsWithMessages(20)));
        PlannerStatistics statistics(
            m_db.executor(), PlannerStatistics::Options{10, 20, db::ConversationRepository::turnTables()});
        statistics.start();
        QTRY_COMPARE(tablesWithStatistics().value(), qint64(2));
        // Still watching after two more checks: llm_usage has no rows.
        const int checks = statistics.checksFinished();
        QTRY_VERIFY(statistics.checksFinished() >= checks + 2);
        QVERIFY(statistics.isWatching());
        AGENCY_VERIFY_OK(m_db.exec(QStringLiteral("INSERT INTO llm_usage (tenant_id, provider) "
                                                  "SELECT 't1', 'openai' FROM generate_series(1, 10)")));
        QTRY_VERIFY(!statistics.isWatching());
        AGENCY_COMPARE_OK(tablesWithStatistics(), qint64(3));
    }

    void aDatabaseThatHasStatisticsIsCheckedOnce()
    {
        AGENCY_VERIFY_OK(
            m_db.exec(conversationsWithMessages(20) +
                      QStringLiteral(" INSERT INTO llm_usage (tenant_id, provider) VALUES "
                                     "('t1', 'openai'); ANALYZE conversations, messages, llm_usage;")));
        PlannerStatistics statistics(
            m_db.executor(), PlannerStatistics::Options{10, 60000, db::ConversationRepository::turnTables()});
        statistics.start();
        QTRY_VERIFY(!statistics.isWatching());
    }

    void anAnalyzeThatMakesNoStatisticsStopsWatchingWithAWarning()
    {
        // As for a database user that does not own the table: ANALYZE runs and stores nothing
        // (here because no column of llm_usage collects statistics).
        AGENCY_VERIFY_OK(m_db.exec(
            conversationsWithMessages(20) +
            QStringLiteral(" INSERT INTO llm_usage (tenant_id, provider) SELECT 't1', 'openai' FROM "
                           "generate_series(1, 10); "
                           "DO $$ DECLARE c text; BEGIN FOR c IN SELECT attname FROM pg_attribute WHERE "
                           "attrelid = 'llm_usage'::regclass AND attnum > 0 AND NOT attisdropped LOOP "
                           "EXECUTE format('ALTER TABLE llm_usage ALTER COLUMN %I SET STATISTICS 0', c); "
                           "END LOOP; END $$;")));
        QTest::ignoreMessage(QtWarningMsg,
                             QRegularExpression(QStringLiteral("ANALYZE llm_usage left it without")));
        PlannerStatistics statistics(
            m_db.executor(), PlannerStatistics::Options{10, 20, db::ConversationRepository::turnTables()});
        statistics.start();
        QTRY_VERIFY(!statistics.isWatching());
        // The others were analyzed before it.
        AGENCY_COMPARE_OK(tablesWithStatistics(), qint64(2));
    }

    void anErrorStopsWatchingWithAWarning()
    {
        // No schema: the tables do not exist.
        AGENCY_VERIFY_OK(m_db.reset(2, false));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("could not give the planner")));
        PlannerStatistics statistics(
            m_db.executor(), PlannerStatistics::Options{10, 20, db::ConversationRepository::turnTables()});
        statistics.start();
        QTRY_VERIFY(!statistics.isWatching());
    }
};

QTEST_GUILESS_MAIN(TestPlannerStatistics)
#include "test_plannerstatistics.moc"
