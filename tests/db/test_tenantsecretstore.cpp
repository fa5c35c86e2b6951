// TenantSecretStore against a real PostgreSQL: values encrypted at rest, bound to their tenant
// and name, a wrong or missing key named clearly, and the key file created on first use.
#include "testdatabase.h"

#include "db/tenantrepository.h"
#include "db/tenantsecretstore.h"
#include "sql/dbexecutor.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace agency;
using namespace agency::db;
using agency::test::await;

namespace {

const QString kValue = QStringLiteral("xoxb-1234-very-secret-token");

SecretKeySource inlineKey(char fill)
{
    SecretKeySource source;
    source.keyText = QByteArray(32, fill).toBase64();
    return source;
}

} // namespace

class TestTenantSecretStore : public QObject
{
    Q_OBJECT

private:
    test::TestDatabase m_db;
    std::unique_ptr<TenantRepository> m_tenants;

    /// Every stored byte of the table as text (the columns in hex and as escaped bytes).
    QByteArray rawRows()
    {
        auto rows =
            await(m_db.executor().run<QByteArray>([](sql::DbConnection &conn) -> core::Result<QByteArray> {
                auto q = conn.exec(
                    QStringLiteral("SELECT t::text, encode(ciphertext, 'escape') FROM tenant_secrets t"), {},
                    QStringLiteral("raw"));
                if (!q)
                    return q.error();
                QByteArray all;
                while (q.value()->next()) {
                    for (int i = 0; i < 2; ++i)
                        all += q.value()->value(i).toByteArray() + '\n';
                }
                return all;
            }));
        return rows ? rows.value() : QByteArray("query failed");
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_db.start(), qPrintable(m_db.error())); }

    void init()
    {
        AGENCY_VERIFY_OK(m_db.reset(2));
        m_tenants = std::make_unique<TenantRepository>(m_db.executor());
        AGENCY_VERIFY_OK(await(m_tenants->ensureTenant(QStringLiteral("acme"))));
        AGENCY_VERIFY_OK(await(m_tenants->ensureTenant(QStringLiteral("globex"))));
    }

    void cleanup()
    {
        m_tenants.reset();
        m_db.close();
    }

    void storedEncryptedAndReadBack()
    {
        TenantSecretStore store(m_db.executor(), inlineKey('k'));
        AGENCY_ASSIGN_OK(info,
                         await(store.set(QStringLiteral("acme"), QStringLiteral("slack_bot_token"), kValue)));
        QCOMPARE(info.name, QStringLiteral("slack_bot_token"));
        QCOMPARE(info.keyId.size(), 16);
        AGENCY_COMPARE_OK(await(store.secret(QStringLiteral("acme"), QStringLiteral("slack_bot_token"))),
                          kValue);

        const QByteArray raw = rawRows();
        QVERIFY(raw.contains("slack_bot_token"));                // the row is there...
        QVERIFY2(!raw.contains("very-secret"), raw.constData()); // ...its value is not
        QVERIFY(!raw.contains(kValue.toUtf8().toHex()));
    }

    void setReplacesAndListShowsNoValue()
    {
        TenantSecretStore store(m_db.executor(), inlineKey('k'));
        AGENCY_ASSIGN_OK(first, await(store.set(QStringLiteral("acme"), QStringLiteral("github_token"),
                                                QStringLiteral("old"))));
        AGENCY_VERIFY_OK(
            await(store.set(QStringLiteral("acme"), QStringLiteral("github_token"), QStringLiteral("new"))));
        AGENCY_COMPARE_OK(await(store.secret(QStringLiteral("acme"), QStringLiteral("github_token"))),
                          QStringLiteral("new"));
        AGENCY_VERIFY_OK(
            await(store.set(QStringLiteral("acme"), QStringLiteral("a_first"), QStringLiteral("x"))));
        AGENCY_ASSIGN_OK(list, await(store.list(QStringLiteral("acme"))));
        QCOMPARE(list.size(), 2);
        QCOMPARE(list.at(0).name, QStringLiteral("a_first"));
        QCOMPARE(list.at(1).name, QStringLiteral("github_token"));
        QCOMPARE(list.at(1).createdAt, first.createdAt);
        QVERIFY(list.at(1).updatedAt >= first.updatedAt);
        AGENCY_ASSIGN_OK(other, await(store.list(QStringLiteral("globex"))));
        QVERIFY(other.isEmpty());
    }

    void tenantIsolation()
    {
        TenantSecretStore store(m_db.executor(), inlineKey('k'));
        AGENCY_VERIFY_OK(await(store.set(QStringLiteral("acme"), QStringLiteral("slack_bot_token"), kValue)));
        QCOMPARE(
            await(store.secret(QStringLiteral("globex"), QStringLiteral("slack_bot_token"))).error().code,
            core::ErrorCode::NotFound);
        // A row copied to another tenant (or renamed) does not decrypt: the tenant and name are
        // the cipher's associated data.
        AGENCY_VERIFY_OK(await(m_db.executor().run<bool>([](sql::DbConnection &conn) -> core::Result<bool> {
            auto q = conn.exec(
                QStringLiteral("INSERT INTO tenant_secrets (tenant_id, name, ciphertext, nonce, key_id) "
                               "SELECT 'globex', name, ciphertext, nonce, key_id FROM tenant_secrets"),
                {}, QStringLiteral("copy"));
            if (!q)
                return q.error();
            return true;
        })));
        auto stolen = await(store.secret(QStringLiteral("globex"), QStringLiteral("slack_bot_token")));
        QVERIFY(!stolen);
        QCOMPARE(stolen.error().code, core::ErrorCode::Internal);
        QVERIFY(!stolen.error().message.contains(kValue));
        QVERIFY2(stolen.error().message.contains(QStringLiteral("does not decrypt")),
                 qPrintable(stolen.error().message));
    }

    void wrongKeyIsNamed()
    {
        TenantSecretStore writer(m_db.executor(), inlineKey('k'));
        AGENCY_ASSIGN_OK(
            info, await(writer.set(QStringLiteral("acme"), QStringLiteral("slack_bot_token"), kValue)));
        TenantSecretStore reader(m_db.executor(), inlineKey('z'));
        auto read = await(reader.secret(QStringLiteral("acme"), QStringLiteral("slack_bot_token")));
        QVERIFY(!read);
        QCOMPARE(read.error().code, core::ErrorCode::NotConfigured);
        QVERIFY2(read.error().message.contains(info.keyId), qPrintable(read.error().message));
        AGENCY_ASSIGN_OK(readerKey, reader.keyId());
        QVERIFY(read.error().message.contains(readerKey));
        QVERIFY(!read.error().message.contains(kValue));
    }

    void missingAndBadKeys()
    {
        SecretKeySource none;
        TenantSecretStore store(m_db.executor(), none);
        QCOMPARE(await(store.secret(QStringLiteral("acme"), QStringLiteral("slack_bot_token"))).error().code,
                 core::ErrorCode::NotConfigured);
        QCOMPARE(await(store.set(QStringLiteral("acme"), QStringLiteral("x"), kValue)).error().code,
                 core::ErrorCode::NotConfigured);
        SecretKeySource shortKey;
        shortKey.keyText = "c2hvcnQ=";
        TenantSecretStore bad(m_db.executor(), shortKey);
        auto refused = await(bad.set(QStringLiteral("acme"), QStringLiteral("x"), kValue));
        QCOMPARE(refused.error().code, core::ErrorCode::NotConfigured);
        QVERIFY(refused.error().message.contains(QStringLiteral("SECRETS_KEY")));
    }

    void keyFileCreatedOnFirstSet()
    {
        QTemporaryDir dir;
        SecretKeySource source;
        source.keyFile = dir.filePath(QStringLiteral("sub/secrets.key"));
        {
            TenantSecretStore store(m_db.executor(), source);
            // Reading never creates a key.
            QCOMPARE(await(store.secret(QStringLiteral("acme"), QStringLiteral("x"))).error().code,
                     core::ErrorCode::NotConfigured);
            QVERIFY(!QFile::exists(source.keyFile));
            AGENCY_VERIFY_OK(await(store.set(QStringLiteral("acme"), QStringLiteral("x"), kValue)));
        }
        QVERIFY(QFile::exists(source.keyFile));
        QCOMPARE(QFile::permissions(source.keyFile) & ~(QFileDevice::ReadUser | QFileDevice::WriteUser),
                 QFileDevice::ReadOwner | QFileDevice::WriteOwner);
        // Another process with the same file reads it.
        TenantSecretStore later(m_db.executor(), source);
        AGENCY_COMPARE_OK(await(later.secret(QStringLiteral("acme"), QStringLiteral("x"))), kValue);
        source.createKeyFile = false;
        source.keyFile = dir.filePath(QStringLiteral("absent.key"));
        TenantSecretStore noCreate(m_db.executor(), source);
        QCOMPARE(await(noCreate.set(QStringLiteral("acme"), QStringLiteral("x"), kValue)).error().code,
                 core::ErrorCode::NotConfigured);
    }

    void validationAndDelete()
    {
        TenantSecretStore store(m_db.executor(), inlineKey('k'));
        QCOMPARE(await(store.set(QStringLiteral("nobody"), QStringLiteral("x"), kValue)).error().code,
                 core::ErrorCode::NotFound);
        QCOMPARE(await(store.set(QStringLiteral("acme"), QStringLiteral("Bad-Name"), kValue)).error().code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(await(store.set(QStringLiteral("acme"), QStringLiteral("x"), QString())).error().code,
                 core::ErrorCode::InvalidArgument);
        QCOMPARE(
            await(store.set(QStringLiteral("acme"), QStringLiteral("x"), QString(70'000, u'a'))).error().code,
            core::ErrorCode::PayloadTooLarge);
        AGENCY_VERIFY_OK(await(store.set(QStringLiteral("acme"), QStringLiteral("x"), kValue)));
        QCOMPARE(await(store.remove(QStringLiteral("globex"), QStringLiteral("x"))).error().code,
                 core::ErrorCode::NotFound);
        AGENCY_VERIFY_OK(await(store.remove(QStringLiteral("acme"), QStringLiteral("x"))));
        QCOMPARE(await(store.remove(QStringLiteral("acme"), QStringLiteral("x"))).error().code,
                 core::ErrorCode::NotFound);
        QCOMPARE(await(store.secret(QStringLiteral("acme"), QStringLiteral("x"))).error().code,
                 core::ErrorCode::NotFound);
    }

    void deletedWithTheirTenant()
    {
        TenantSecretStore store(m_db.executor(), inlineKey('k'));
        AGENCY_VERIFY_OK(await(store.set(QStringLiteral("acme"), QStringLiteral("x"), kValue)));
        AGENCY_VERIFY_OK(await(m_db.executor().run<bool>([](sql::DbConnection &conn) -> core::Result<bool> {
            auto q = conn.exec(QStringLiteral("DELETE FROM tenants WHERE tenant_id = 'acme'"), {},
                               QStringLiteral("d"));
            if (!q)
                return q.error();
            return true;
        })));
        QVERIFY(rawRows().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestTenantSecretStore)
#include "test_tenantsecretstore.moc"
