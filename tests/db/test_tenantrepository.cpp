// TenantRepository against a real PostgreSQL.
#include "testdatabase.h"

#include "db/conversationrepository.h"
#include "db/tenantrepository.h"
#include "sql/dbexecutor.h"

#include <QtTest>

using namespace agency;
using namespace agency::db;
using agency::test::await;

class TestTenantRepository : public QObject
{
    Q_OBJECT

private:
    test::TestDatabase m_db;
    std::unique_ptr<TenantRepository> m_tenants;
    std::unique_ptr<ConversationRepository> m_conversations;

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }

    void init()
    {
        AGENCY_VERIFY_OK(m_db.reset(2));
        m_tenants = std::make_unique<TenantRepository>(m_db.executor());
        m_conversations = std::make_unique<ConversationRepository>(m_db.executor());
    }

    void cleanup()
    {
        m_conversations.reset();
        m_tenants.reset();
        m_db.close();
    }

    void ensureIsIdempotent()
    {
        auto first = await(m_tenants->ensureTenant(QStringLiteral("acme"), QStringLiteral("ACME Corp")));
        AGENCY_VERIFY_OK(first);
        QCOMPARE(first->name, QStringLiteral("ACME Corp"));
        auto second = await(m_tenants->ensureTenant(QStringLiteral("acme"), QStringLiteral("ignored")));
        AGENCY_VERIFY_OK(second);
        QCOMPARE(second->name, QStringLiteral("ACME Corp"));
        QCOMPARE(second->createdAt, first->createdAt);
    }

    void createConflictsAndGetMissing()
    {
        AGENCY_VERIFY_OK(await(m_tenants->createTenant(QStringLiteral("acme"), QStringLiteral("A"),
                                                       {{QStringLiteral("rate_limits"), QJsonObject()}})));
        auto again = await(m_tenants->createTenant(QStringLiteral("acme"), QStringLiteral("B")));
        QCOMPARE(again.error().code, core::ErrorCode::Conflict);
        QCOMPARE(await(m_tenants->getTenant(QStringLiteral("nobody"))).error().code,
                 core::ErrorCode::NotFound);
        QCOMPARE(await(m_tenants->getTenant(QString())).error().code, core::ErrorCode::InvalidArgument);
    }

    void listHasConversationCountsAndPages()
    {
        for (const char *id : {"c-tenant", "a-tenant", "b-tenant"})
            AGENCY_VERIFY_OK(await(m_tenants->ensureTenant(QLatin1String(id))));
        for (int i = 0; i < 3; ++i)
            AGENCY_VERIFY_OK(await(
                m_conversations->createConversation(QStringLiteral("b-tenant"), QStringLiteral("weather"))));
        // A conversation for an unknown tenant creates the tenant.
        auto conv =
            await(m_conversations->createConversation(QStringLiteral("d-tenant"), QStringLiteral("weather")));
        AGENCY_VERIFY_OK(conv);
        AGENCY_VERIFY_OK(await(m_conversations->deleteConversation(
            QStringLiteral("b-tenant"),
            await(m_conversations->createConversation(QStringLiteral("b-tenant"), QStringLiteral("weather")))
                ->conversationId)));
        auto page = await(m_tenants->listTenants(2));
        AGENCY_VERIFY_OK(page);
        QCOMPARE(page->items.size(), 2);
        QCOMPARE(page->items[0].tenantId, QStringLiteral("a-tenant"));
        QCOMPARE(page->items[1].tenantId, QStringLiteral("b-tenant"));
        QCOMPARE(page->items[1].conversationCount, 3);
        QCOMPARE(page->nextCursor, QStringLiteral("b-tenant"));
        auto rest = await(m_tenants->listTenants(2, page->nextCursor));
        AGENCY_VERIFY_OK(rest);
        QCOMPARE(rest->items.size(), 2);
        QCOMPARE(rest->items[1].tenantId, QStringLiteral("d-tenant"));
        QCOMPARE(rest->items[1].conversationCount, 1);
        QVERIFY(rest->nextCursor.isEmpty());
    }

    void updateReplacesOnlyGivenParts()
    {
        AGENCY_VERIFY_OK(await(m_tenants->ensureTenant(QStringLiteral("acme"), QStringLiteral("ACME"))));
        const QJsonObject settings{
            {QStringLiteral("rate_limits"),
             QJsonObject{{QStringLiteral("openai"), QJsonObject{{QStringLiteral("tpm"), 1000}}}}}};
        auto updated = await(m_tenants->updateTenant(QStringLiteral("acme"), std::nullopt, settings));
        AGENCY_VERIFY_OK(updated);
        QCOMPARE(updated->name, QStringLiteral("ACME"));
        QCOMPARE(updated->settings, settings);
        updated =
            await(m_tenants->updateTenant(QStringLiteral("acme"), QStringLiteral("Acme Inc"), std::nullopt));
        AGENCY_VERIFY_OK(updated);
        QCOMPARE(updated->name, QStringLiteral("Acme Inc"));
        QCOMPARE(updated->settings, settings);
        QCOMPARE(await(m_tenants->updateTenant(QStringLiteral("ghost"), QStringLiteral("x"), std::nullopt))
                     .error()
                     .code,
                 core::ErrorCode::NotFound);
    }
};

QTEST_GUILESS_MAIN(TestTenantRepository)
#include "test_tenantrepository.moc"
