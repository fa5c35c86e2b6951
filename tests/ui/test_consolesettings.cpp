// The settings dialog over the console's settings store: values persist in the config file
// (0600, other lines kept) without a keychain, provider keys go to the keychain when there is one
// (and back to the file, with a message, when it refuses), the colour scheme comes first and shows
// as it is chosen (Cancel puts it back), and "Test connection" calls the provider with the values
// as typed and says what to fix in the dialog's own words.

#include "app/consolesettingsstore.h"
#include "app/settingsreloader.h"
#include "config/settings.h"
#include "fakevertex.h"
#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/settingsdialog.h"
#include "ui/statusbar.h"
#include "ui/threadmodel.h"
#include "uifixture.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTimer>

using namespace agency;
using test::UiFixture;

namespace {

/// A keychain that answers like qtkeychain does (later, on the event loop), or refuses writes.
class FakeVault : public app::SecretVault
{
public:
    QHash<QString, QString> stored;
    QString writeError;
    int writes = 0;

    void read(std::function<void(const QHash<QString, QString> &, const QString &)> done) override
    {
        QTimer::singleShot(0, [this, done] { done(stored, {}); });
    }
    void write(const QHash<QString, QString> &secrets, std::function<void(const QString &)> done) override
    {
        ++writes;
        QTimer::singleShot(0, [this, secrets, done] {
            if (writeError.isEmpty())
                stored = secrets;
            done(writeError);
        });
    }
};

QHash<QString, QString> readFile(const QString &path)
{
    auto parsed = config::Settings::parseEnvFile(path);
    return parsed ? parsed.value() : QHash<QString, QString>{{QStringLiteral("<unreadable>"), path}};
}

bool loadStore(app::ConsoleSettingsStore &store)
{
    bool loaded = false;
    store.load([&loaded] { loaded = true; });
    return QTest::qWaitFor([&loaded] { return loaded; }, 5000);
}

/// Clicks Save and waits for the dialog's saved() signal; returns its error text.
QString clickSave(ui::SettingsDialog &dialog)
{
    QSignalSpy saved(&dialog, &ui::SettingsDialog::saved);
    dialog.save();
    if (!saved.wait(5000))
        return QStringLiteral("saved() never came");
    return saved.first().first().toString();
}

} // namespace

class TestConsoleSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startOnce(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.reset(), qPrintable(m_fx.error())); }
    void cleanup()
    {
        m_fx.tearDown();
        ui::applyColorScheme(QStringLiteral("system"));
    }

    void settingsPersistInTheFileWithoutKeychain();
    void providerChangesApplyAtOnce();
    void keysGoToTheKeychain();
    void refusedKeychainFallsBackToTheFile();
    void testConnectionUsesTheTypedValues();
    void testConnectionShowsTheProviderError();
    void testConnectionAppliesEveryVertexField();
    void appearanceComesFirstAndShowsAtOnce();

private:
    UiFixture m_fx;
};

void TestConsoleSettings::settingsPersistInTheFileWithoutKeychain()
{
    const QString path = m_fx.configFilePath();
    QDir().mkpath(QFileInfo(path).absolutePath());
    {
        QFile existing(path);
        QVERIFY(existing.open(QIODevice::WriteOnly));
        existing.write("# mine\nLOG_LEVEL=debug\n");
    }
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    QVERIFY(dialog);
    const QString notice = dialog->findChild<QLabel *>(QStringLiteral("storageWarning"))->text();
    QVERIFY2(notice.contains(QStringLiteral("No system keychain")) && notice.contains(path),
             qPrintable(notice));
    dialog->field(QStringLiteral("OPENAI_API_KEY"))->setText(QStringLiteral("sk-test-123"));
    dialog->field(QStringLiteral("OPENAI_RATE_LIMIT_TPM"))->setText(QStringLiteral("5000"));
    dialog->findChild<QComboBox *>(QStringLiteral("LLM_PROVIDER"))->setCurrentText(QStringLiteral("openai"));
    dialog->schemeChoice()->setCurrentIndex(dialog->schemeChoice()->findData(QStringLiteral("dark")));
    QSignalSpy saved(dialog, &ui::SettingsDialog::saved);
    QCOMPARE(clickSave(*dialog), QString());
    dialog->close();

    const auto values = readFile(path);
    QCOMPARE(values.value(QStringLiteral("OPENAI_API_KEY")), QStringLiteral("sk-test-123"));
    QCOMPARE(values.value(QStringLiteral("OPENAI_RATE_LIMIT_TPM")), QStringLiteral("5000"));
    QCOMPARE(values.value(QStringLiteral("LLM_PROVIDER")), QStringLiteral("openai"));
    QCOMPARE(values.value(QStringLiteral("LOG_LEVEL")), QStringLiteral("debug")); // other keys kept
    QVERIFY(!values.contains(QStringLiteral("MISTRAL_API_KEY")));                 // empty: not written
    QFile raw(path);
    QVERIFY(raw.open(QIODevice::ReadOnly));
    QVERIFY(raw.readAll().startsWith("# mine\n")); // comments kept
    QCOMPARE(QFileInfo(path).permissions() &
                 (QFile::ReadGroup | QFile::ReadOther | QFile::WriteGroup | QFile::WriteOther),
             QFile::Permissions());
    QCOMPARE(m_fx.settings().value(QStringLiteral("appearance/scheme")).toString(), QStringLiteral("dark"));
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() < 80);

    // A new dialog shows what was saved.
    ui::SettingsDialog *again = w->openSettings();
    QCOMPARE(again->field(QStringLiteral("OPENAI_API_KEY"))->text(), QStringLiteral("sk-test-123"));
    QCOMPARE(again->schemeChoice()->currentData().toString(), QStringLiteral("dark"));
    again->close();
}

void TestConsoleSettings::keysGoToTheKeychain()
{
    // A key saved in clear text before a keychain was available must not stay in the file.
    const QString path = m_fx.configFilePath();
    QCOMPARE(app::ConsoleSettingsStore::writeConfigFile(
                 path, {{QStringLiteral("MISTRAL_API_KEY"), QStringLiteral("old-clear-text")}}),
             QString());
    FakeVault vault;
    QVERIFY(loadStore(m_fx.useSettingsStore(&vault)));
    QVERIFY(m_fx.settingsStore().secretsInKeychain());
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("storageWarning"))
                ->text()
                .contains(QStringLiteral("system keychain")));
    QCOMPARE(dialog->field(QStringLiteral("MISTRAL_API_KEY"))->text(), QStringLiteral("old-clear-text"));
    dialog->field(QStringLiteral("OPENAI_API_KEY"))->setText(QStringLiteral("sk-in-keychain"));
    dialog->field(QStringLiteral("OPENAI_MODEL"))->setText(QStringLiteral("gpt-4o-mini"));
    QSignalSpy saved(dialog, &ui::SettingsDialog::saved);
    QCOMPARE(clickSave(*dialog), QString());
    QCOMPARE(vault.stored.value(QStringLiteral("OPENAI_API_KEY")), QStringLiteral("sk-in-keychain"));
    QCOMPARE(vault.stored.value(QStringLiteral("MISTRAL_API_KEY")), QStringLiteral("old-clear-text"));
    const auto file = readFile(path);
    QVERIFY(!file.contains(QStringLiteral("OPENAI_API_KEY")));
    QVERIFY(!file.contains(QStringLiteral("MISTRAL_API_KEY")));
    QCOMPARE(file.value(QStringLiteral("OPENAI_MODEL")), QStringLiteral("gpt-4o-mini"));
    // What changed takes effect at the next start, and the dialog says which.
    const QStringList restart = saved.first().at(1).toStringList();
    QVERIFY(restart.contains(QStringLiteral("OPENAI_API_KEY")));
    QVERIFY(!restart.contains(QStringLiteral("MISTRAL_API_KEY")));

    // The next start reads the key back from the keychain.
    app::ConsoleSettingsStore next(path, &vault);
    QVERIFY(loadStore(next));
    QCOMPARE(next.values().value(QStringLiteral("OPENAI_API_KEY")), QStringLiteral("sk-in-keychain"));
    QCOMPARE(next.keychainSecrets().value(QStringLiteral("OPENAI_API_KEY")),
             QStringLiteral("sk-in-keychain"));
}

void TestConsoleSettings::refusedKeychainFallsBackToTheFile()
{
    FakeVault vault;
    QVERIFY(loadStore(m_fx.useSettingsStore(&vault)));
    vault.writeError = QStringLiteral("system keychain: access denied");
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    dialog->field(QStringLiteral("OPENAI_API_KEY"))->setText(QStringLiteral("sk-kept"));
    const QString error = clickSave(*dialog);
    QVERIFY2(error.contains(QStringLiteral("access denied")) && error.contains(m_fx.configFilePath()),
             qPrintable(error));
    QCOMPARE(vault.writes, 1);
    QCOMPARE(readFile(m_fx.configFilePath()).value(QStringLiteral("OPENAI_API_KEY")),
             QStringLiteral("sk-kept"));
    QVERIFY(!m_fx.settingsStore().secretsInKeychain());
    QVERIFY(dialog->findChild<QLabel *>(QStringLiteral("storageWarning"))
                ->text()
                .contains(QStringLiteral("No system keychain")));
    QLabel *shown = dialog->findChild<QLabel *>(QStringLiteral("saveError"));
    QVERIFY(shown->isVisible());
    QCOMPARE(shown->text(), error);
}

void TestConsoleSettings::testConnectionUsesTheTypedValues()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    // Mistral is not configured in the running backend: only the typed values can reach the fake.
    dialog->field(QStringLiteral("MISTRAL_BASE_URL"))->setText(m_fx.llm().baseUrl());
    dialog->field(QStringLiteral("MISTRAL_API_KEY"))->setText(QStringLiteral("typed-mistral-key"));
    dialog->field(QStringLiteral("MISTRAL_MODEL"))->setText(QStringLiteral("mistral-small"));
    m_fx.llm().enqueueText(QStringLiteral("OK"));
    QSignalSpy tested(dialog, &ui::SettingsDialog::connectionTested);
    QTest::mouseClick(dialog->testButton(QStringLiteral("mistral")), Qt::LeftButton);
    QVERIFY(tested.wait(10000));
    QCOMPARE(tested.first().at(0).toString(), QStringLiteral("mistral"));
    QVERIFY2(tested.first().at(1).toBool(), qPrintable(tested.first().at(2).toString()));
    QVERIFY(dialog->testResult(QStringLiteral("mistral"))->text().contains(QStringLiteral("OK")));
    const auto requests = m_fx.llm().chatRequests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().header("Authorization"), QByteArray("Bearer typed-mistral-key"));
    QCOMPARE(requests.first().json().value(QStringLiteral("model")).toString(),
             QStringLiteral("mistral-small"));
    QVERIFY(!requests.first().json().contains(QStringLiteral("tools")));
    // Nothing was saved by testing.
    QVERIFY(!QFileInfo::exists(m_fx.configFilePath()));
}

void TestConsoleSettings::testConnectionShowsTheProviderError()
{
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    dialog->field(QStringLiteral("OPENAI_API_KEY"))->setText(QStringLiteral("sk-wrong"));
    m_fx.llm().enqueue(test::openai::errorReply(401, QStringLiteral("Incorrect API key provided"),
                                                QStringLiteral("invalid_api_key")));
    QSignalSpy tested(dialog, &ui::SettingsDialog::connectionTested);
    dialog->testButton(QStringLiteral("openai"))->click();
    QVERIFY(!dialog->testButton(QStringLiteral("openai"))->isEnabled()); // one call at a time
    QVERIFY(tested.wait(10000));
    QVERIFY(!tested.first().at(1).toBool());
    const QString shown = dialog->testResult(QStringLiteral("openai"))->text();
    QVERIFY2(shown.contains(QStringLiteral("Incorrect API key")) || shown.contains(QStringLiteral("key")),
             qPrintable(shown));
    // Said for where the user is: the key is in the fields above, not "in Settings".
    QVERIFY2(!shown.contains(QStringLiteral("Settings")), qPrintable(shown));
    QVERIFY2(shown.contains(QStringLiteral("check the key above")), qPrintable(shown));
    // Shown whole: the label is as tall as its wrapped text and as wide as the dialog allows.
    QLabel *result = dialog->testResult(QStringLiteral("openai"));
    auto *tabs = dialog->findChild<QTabWidget *>(QStringLiteral("settingsTabs"));
    for (int i = 0; i < tabs->count(); ++i) {
        if (tabs->widget(i)->isAncestorOf(result))
            tabs->setCurrentIndex(i);
    }
    QTRY_VERIFY(result->isVisible());
    QTRY_VERIFY2(result->height() >= result->heightForWidth(result->width()),
                 qPrintable(QStringLiteral("%1 px tall, needs %2")
                                .arg(result->height())
                                .arg(result->heightForWidth(result->width()))));
    QVERIFY(result->width() >= dialog->field(QStringLiteral("OPENAI_API_KEY"))->width() - 1);
    QVERIFY(dialog->testButton(QStringLiteral("openai"))->isEnabled());
    QCOMPARE(m_fx.llm().chatRequests().first().header("Authorization"), QByteArray("Bearer sk-wrong"));
}

void TestConsoleSettings::testConnectionAppliesEveryVertexField()
{
    // The running backend can authenticate to Vertex AI (a token) but points at another project,
    // region and endpoint: only the typed project, location, base URL and model reach the fake.
    QVERIFY2(m_fx.reset({{QStringLiteral("VERTEX_AI_ACCESS_TOKEN"), QStringLiteral("vertex-token")},
                         {QStringLiteral("VERTEX_AI_PROJECT_ID"), QStringLiteral("configured-project")},
                         {QStringLiteral("VERTEX_AI_BASE_URL"), QStringLiteral("http://127.0.0.1:9")}}),
             qPrintable(m_fx.error()));
    test::FakeVertexServer vertex;
    QVERIFY(vertex.listen());
    vertex.enqueueText(QStringLiteral("OK"));
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    dialog->field(QStringLiteral("VERTEX_AI_PROJECT_ID"))->setText(QStringLiteral("typed-project"));
    dialog->field(QStringLiteral("VERTEX_AI_LOCATION"))->setText(QStringLiteral("europe-west4"));
    dialog->field(QStringLiteral("VERTEX_AI_BASE_URL"))->setText(vertex.baseUrl());
    dialog->field(QStringLiteral("VERTEX_AI_MODEL"))->setText(QStringLiteral("gemini-typed"));
    QSignalSpy tested(dialog, &ui::SettingsDialog::connectionTested);
    dialog->testButton(QStringLiteral("vertex"))->click();
    QVERIFY(tested.wait(10000));
    QVERIFY2(tested.first().at(1).toBool(), qPrintable(tested.first().at(2).toString()));
    const auto requests = vertex.requests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().path(),
             QStringLiteral("/v1/projects/typed-project/locations/europe-west4/publishers/google/models/"
                            "gemini-typed:generateContent"));
    QCOMPARE(requests.first().header("Authorization"), QByteArray("Bearer vertex-token"));
    QVERIFY(!QFileInfo::exists(m_fx.configFilePath()));
}

void TestConsoleSettings::appearanceComesFirstAndShowsAtOnce()
{
    m_fx.settings().remove(QStringLiteral("appearance/scheme")); // kept from an earlier test
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    ui::SettingsDialog *dialog = w->openSettings();
    QVERIFY(dialog);
    // The colour scheme is on the page the dialog opens on, not under the rate limits.
    QTRY_VERIFY(dialog->isVisible());
    QVERIFY(dialog->schemeChoice()->isVisible());
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() > 150);
    // Choosing shows it at once, before Save…
    dialog->schemeChoice()->setCurrentIndex(dialog->schemeChoice()->findData(QStringLiteral("dark")));
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() < 80);
    QTRY_COMPARE(w->palette().color(QPalette::Base), QApplication::palette().color(QPalette::Base));
    // …and Cancel puts back what was there, saving nothing.
    auto *buttons = dialog->findChild<QDialogButtonBox *>();
    QVERIFY(buttons);
    QTest::mouseClick(buttons->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!dialog->isVisible());
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() > 150);
    QVERIFY(!m_fx.settings().contains(QStringLiteral("appearance/scheme")));

    // Chosen and saved, it stays after the dialog closes.
    dialog = w->openSettings();
    dialog->schemeChoice()->setCurrentIndex(dialog->schemeChoice()->findData(QStringLiteral("dark")));
    QCOMPARE(clickSave(*dialog), QString());
    dialog->close();
    QVERIFY(QApplication::palette().color(QPalette::Base).lightness() < 80);
    QCOMPARE(m_fx.settings().value(QStringLiteral("appearance/scheme")).toString(), QStringLiteral("dark"));
}

void TestConsoleSettings::providerChangesApplyAtOnce()
{
    // The console started on the demo provider, with no OpenAI key.
    QVERIFY2(m_fx.reset({{QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")},
                         {QStringLiteral("OPENAI_API_KEY"), QString()}}),
             qPrintable(m_fx.error()));
    auto base = config::Settings::fromValues({});
    QVERIFY(base);
    app::installSettingsReloader(m_fx.backend().backend(), base.value(), m_fx.settingsStore());
    ui::MainWindow *w = m_fx.openWindow();
    QVERIFY(w);
    auto *providers = w->chatBox()->findChild<QComboBox *>(QStringLiteral("providerCombo"));
    QTRY_VERIFY(providers->count() > 1);
    QVERIFY2(providers->itemText(0).contains(QStringLiteral("demo")), qPrintable(providers->itemText(0)));

    ui::SettingsDialog *dialog = w->openSettings();
    QVERIFY(dialog);
    dialog->findChild<QComboBox *>(QStringLiteral("LLM_PROVIDER"))->setCurrentText(QStringLiteral("openai"));
    dialog->field(QStringLiteral("OPENAI_API_KEY"))->setText(QStringLiteral("sk-saved-now"));
    dialog->field(QStringLiteral("OPENAI_BASE_URL"))->setText(m_fx.llm().baseUrl());
    dialog->field(QStringLiteral("OPENAI_MODEL"))->setText(QStringLiteral("gpt-fake"));
    QCOMPARE(clickSave(*dialog), QString());
    dialog->close();

    // The picker says so at once, without a restart…
    QTRY_VERIFY2(providers->itemText(0).contains(QStringLiteral("openai")),
                 qPrintable(providers->itemText(0)));
    const int openai = providers->findData(QStringLiteral("openai"));
    QVERIFY(openai > 0);
    QVERIFY2(!providers->itemText(openai).contains(QStringLiteral("not configured")),
             qPrintable(providers->itemText(openai)));
    QVERIFY(!w->statusPanel()->currentMessage().contains(QStringLiteral("Restart")));
    // …and the next message goes to OpenAI with the saved key.
    m_fx.llm().enqueueStream({QStringLiteral("From the real model.")});
    test::typeAndSend(*w, QStringLiteral("hello"));
    QTRY_VERIFY_WITH_TIMEOUT(!w->chatSession()->isBusy(), 10000);
    QTRY_COMPARE(w->threadModel()->rowCount(), 2);
    QCOMPARE(w->threadModel()->item(1).content, QStringLiteral("From the real model."));
    QCOMPARE(m_fx.llm().chatRequests().size(), 1);
    QCOMPARE(m_fx.llm().chatRequests().first().header("authorization"), QByteArray("Bearer sk-saved-now"));
}

QTEST_MAIN(TestConsoleSettings)
#include "test_consolesettings.moc"
