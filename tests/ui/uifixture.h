#pragma once

// Harness for console tests: a fresh database per test on one TestPostgres cluster, the real
// backend wired by EngineFixture (OpenAI adapter → FakeOpenAiServer, get_weather →
// FakeWeatherServer), window layout settings in a temporary file, and the real MainWindow.

#include "app/consolesettingsstore.h"
#include "enginefixture.h"
#include "fakeopenai.h"
#include "fakeweatherserver.h"
#include "testpostgres.h"
#include "ui/mainwindow.h"

#include <QSettings>
#include <QTemporaryDir>

#include <memory>

namespace agency::sql {
class DbExecutor;
} // namespace agency::sql

namespace agency::test {

class UiFixture
{
public:
    UiFixture();
    ~UiFixture();

    /// Starts the cluster and the weather fake (call from initTestCase; false + error() on failure).
    bool startOnce();
    QString error() const { return m_error; }
    /// A fresh database, a fresh provider fake and backend (call from init()).
    /// `extraFlows` and `extraTools` join (or replace) the built-in ones (EngineFixture).
    bool reset(const QHash<QString, QString> &extraSettings = {},
               const QList<core::FlowDefinition> &extraFlows = {},
               const QList<std::shared_ptr<tools::Tool>> &extraTools = {});
    void tearDown();

    /// The settings store the next window gets: the config file configFilePath(), secrets in
    /// `vault` (null: no keychain). reset() makes one without a keychain.
    app::ConsoleSettingsStore &useSettingsStore(app::SecretVault *vault);
    app::ConsoleSettingsStore &settingsStore() { return *m_store; }
    QString configFilePath() const;

    /// Creates, shows and waits for the main window to be ready (tenants loaded, one selected).
    ui::MainWindow *openWindow();
    ui::MainWindow *window() const { return m_window.get(); }

    /// Another backend with a service of its own on the same database, as another process
    /// (the CLI, a server) would have: its writes reach the window only through the database.
    std::unique_ptr<EngineFixture> otherBackend(const QHash<QString, QString> &extraSettings = {});
    /// The PostgreSQL server under the test (to stop, restart or freeze it).
    TestPostgres &postgres() { return m_pg; }

    FakeOpenAiServer &llm() { return *m_llm; }
    EngineFixture &backend() { return *m_backend; }
    service::AgencyService &service() { return m_backend->service(); }
    QSettings &settings() { return *m_settings; }
    QString settingsPath() const;

    /// Runs SQL on the test database (seeding large data sets); fails the test on error.
    bool exec(const QString &sql);

private:
    TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    FakeWeatherServer m_weather;
    std::unique_ptr<FakeOpenAiServer> m_llm;
    std::unique_ptr<EngineFixture> m_backend;
    QTemporaryDir m_dir;
    std::unique_ptr<QSettings> m_settings;
    std::unique_ptr<app::ConsoleSettingsStore> m_store;
    std::unique_ptr<ui::MainWindow> m_window;
    QString m_error;
};

/// Types `text` into the chat box and presses Ctrl+Enter.
void typeAndSend(ui::MainWindow &window, const QString &text);
/// One finished chat in a new conversation (the fake answers `answer`), listed at the top;
/// returns its id (null when it did not finish).
QUuid chatInNewConversation(UiFixture &fx, ui::MainWindow &window, const QString &text,
                            const QString &answer);
/// The conversation list's row `row`, or an empty conversation while the list is shorter (for
/// QTRY_* conditions polled before the list has loaded).
core::Conversation conversationRow(const ui::MainWindow &window, int row);
/// The thread's rows as "role:content" lines, for failure messages.
QString threadDump(const ui::MainWindow &window);

} // namespace agency::test
