// The real qtkeychain adaptor (app/QtKeychainVault) against a real Secret Service: run by
// tests/ui/with-keychain.sh inside its own D-Bus session with an unlocked GNOME keyring. A key
// saved through the console's settings store lands in the keychain, not in the config file, and is
// read back by a new vault and a new store (as at the next start).

#include "app/consolesettingsstore.h"
#include "app/secretvault.h"

#include <QCoreApplication>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;

namespace {

/// Loads `store` and waits for it (the keychain answers on the event loop).
bool load(app::ConsoleSettingsStore &store)
{
    bool loaded = false;
    store.load([&loaded] { loaded = true; });
    return QTest::qWaitFor([&loaded] { return loaded; }, 10000);
}

} // namespace

class TestKeychainVault : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (qEnvironmentVariableIsEmpty("AGENCY_TEST_KEYCHAIN"))
            QSKIP("needs a Secret Service: run through tests/ui/with-keychain.sh (ctest does)");
    }
    void init() { QVERIFY(m_dir.isValid()); }
    void cleanup()
    {
        // Leave the keychain empty for the next test function.
        app::QtKeychainVault vault;
        bool done = false;
        vault.write({}, [&done](const QString &) { done = true; });
        QVERIFY(QTest::qWaitFor([&done] { return done; }, 10000));
    }

    void savedKeyGoesToTheKeychainNotTheFile();
    void vaultReadsBackWhatItWrote();

private:
    QTemporaryDir m_dir;
};

void TestKeychainVault::savedKeyGoesToTheKeychainNotTheFile()
{
    const QString path = m_dir.filePath(QStringLiteral("aiagency.conf"));
    app::QtKeychainVault vault;
    app::ConsoleSettingsStore store(path, &vault);
    QVERIFY(load(store));
    QVERIFY2(store.secretsInKeychain(), qPrintable(store.keychainProblem()));

    QString error = QStringLiteral("not called");
    QObject context;
    store.save({{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-in-the-keychain")},
                {QStringLiteral("OPENAI_MODEL"), QStringLiteral("gpt-typed")}},
               &context, [&error](const QString &e) { error = e; });
    QVERIFY(QTest::qWaitFor([&error] { return error != QStringLiteral("not called"); }, 10000));
    QCOMPARE(error, QString());

    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY2(text.contains("OPENAI_MODEL=gpt-typed"), text.constData());
    QVERIFY2(!text.contains("sk-in-the-keychain"), text.constData());

    // The next start: a new vault and store find the key in the keychain.
    app::QtKeychainVault again;
    app::ConsoleSettingsStore next(path, &again);
    QVERIFY(load(next));
    QVERIFY(next.secretsInKeychain());
    QCOMPARE(next.keychainSecrets().value(QStringLiteral("OPENAI_API_KEY")),
             QStringLiteral("sk-in-the-keychain"));
    QCOMPARE(next.values().value(QStringLiteral("OPENAI_API_KEY")), QStringLiteral("sk-in-the-keychain"));
    QCOMPARE(next.values().value(QStringLiteral("OPENAI_MODEL")), QStringLiteral("gpt-typed"));
}

void TestKeychainVault::vaultReadsBackWhatItWrote()
{
    app::QtKeychainVault vault;
    const QHash<QString, QString> secrets{
        {QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("m-key")},
        {QStringLiteral("DATABASE_URL"), QStringLiteral("postgresql://u:p@h/db")}};
    QString writeError = QStringLiteral("not called");
    vault.write(secrets, [&writeError](const QString &e) { writeError = e; });
    QVERIFY(QTest::qWaitFor([&writeError] { return writeError != QStringLiteral("not called"); }, 10000));
    QCOMPARE(writeError, QString());

    std::optional<QHash<QString, QString>> read;
    QString readError;
    app::QtKeychainVault other;
    other.read([&](const QHash<QString, QString> &values, const QString &e) {
        read = values;
        readError = e;
    });
    QVERIFY(QTest::qWaitFor([&read] { return read.has_value(); }, 10000));
    QCOMPARE(readError, QString());
    QCOMPARE(*read, secrets);

    // Writing nothing deletes the entry: reading finds no secrets and no error.
    QString deleteError = QStringLiteral("not called");
    vault.write({}, [&deleteError](const QString &e) { deleteError = e; });
    QVERIFY(QTest::qWaitFor([&deleteError] { return deleteError != QStringLiteral("not called"); }, 10000));
    QCOMPARE(deleteError, QString());
    read.reset();
    other.read([&](const QHash<QString, QString> &values, const QString &e) {
        read = values;
        readError = e;
    });
    QVERIFY(QTest::qWaitFor([&read] { return read.has_value(); }, 10000));
    QCOMPARE(readError, QString());
    QVERIFY(read->isEmpty());
}

QTEST_GUILESS_MAIN(TestKeychainVault)
#include "test_keychainvault.moc"
