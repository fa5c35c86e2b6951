#include "uifixture.h"

#include "sql/dbexecutor.h"
#include "ui/chatbox.h"
#include "ui/chatsession.h"
#include "ui/conversationmodel.h"
#include "ui/threadmodel.h"

#include <QFile>
#include <QPlainTextEdit>
#include <QTest>

namespace agency::test {

UiFixture::UiFixture() = default;
UiFixture::~UiFixture()
{
    tearDown();
    m_db.reset();
}

bool UiFixture::startOnce()
{
    return startPostgresAndWeather(m_pg, m_weather, &m_error);
}

bool UiFixture::reset(const QHash<QString, QString> &extraSettings,
                      const QList<core::FlowDefinition> &extraFlows,
                      const QList<std::shared_ptr<tools::Tool>> &extraTools)
{
    tearDown();
    if (!freshDatabaseAndProvider(m_pg, m_db, m_llm, &m_error))
        return false;
    m_backend = std::make_unique<EngineFixture>(
        *m_db, engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), extraSettings), extraFlows,
        EngineFixture::Limiter::Memory, extraTools);
    m_settings = std::make_unique<QSettings>(settingsPath(), QSettings::IniFormat);
    QFile::remove(configFilePath());
    useSettingsStore(nullptr);
    return true;
}

std::unique_ptr<EngineFixture> UiFixture::otherBackend(const QHash<QString, QString> &extraSettings)
{
    return std::make_unique<EngineFixture>(
        *m_db, engineConfig(m_llm->baseUrl(), m_weather.baseUrl().toString(), extraSettings));
}

app::ConsoleSettingsStore &UiFixture::useSettingsStore(app::SecretVault *vault)
{
    m_store = std::make_unique<app::ConsoleSettingsStore>(configFilePath(), vault);
    return *m_store;
}

QString UiFixture::configFilePath() const
{
    return m_dir.filePath(QStringLiteral("config/aiagency.conf"));
}

QString UiFixture::settingsPath() const
{
    return m_dir.filePath(QStringLiteral("console.ini"));
}

void UiFixture::tearDown()
{
    m_window.reset();
    m_backend.reset();
    m_llm.reset();
    m_settings.reset();
    m_store.reset();
}

ui::MainWindow *UiFixture::openWindow()
{
    m_window = std::make_unique<ui::MainWindow>(m_backend->service(), *m_settings, m_store.get());
    bool ready = false;
    QObject::connect(m_window.get(), &ui::MainWindow::ready, [&ready] { ready = true; });
    m_window->show();
    if (!QTest::qWaitForWindowExposed(m_window.get()) || !QTest::qWaitFor([&ready] { return ready; }, 20000))
        return nullptr;
    m_window->activateWindow();
    if (!QTest::qWaitForWindowActive(m_window.get()))
        return nullptr;
    return m_window.get();
}

bool UiFixture::exec(const QString &sql)
{
    auto done = await(m_db->run<bool>([sql](sql::DbConnection &conn) -> core::Result<bool> {
        // DDL cannot be prepared: a script runs as it is.
        if (sql.startsWith(QStringLiteral("ALTER"))) {
            if (auto script = conn.execScript(sql, QStringLiteral("test")); !script)
                return script.error();
            return true;
        }
        auto q = conn.exec(sql, {}, QStringLiteral("test"));
        if (!q)
            return q.error();
        return true;
    }),
                      120000);
    if (!done)
        m_error = done.error().toString();
    return done.ok();
}

void typeAndSend(ui::MainWindow &window, const QString &text)
{
    QPlainTextEdit *edit = window.chatBox()->editor();
    edit->setFocus();
    QTest::keyClicks(edit, text);
    QTest::keyClick(edit, Qt::Key_Return, Qt::ControlModifier);
}

QUuid chatInNewConversation(UiFixture &fx, ui::MainWindow &window, const QString &text, const QString &answer)
{
    fx.llm().enqueueStream({answer});
    window.newChat();
    typeAndSend(window, text);
    if (!QTest::qWaitFor([&window] { return !window.chatSession()->isBusy(); }, 20000))
        return {};
    // The list shows the conversation once the turn's bookkeeping read is back: wait for it, so
    // that read cannot land after the test's next action.
    if (!QTest::qWaitFor([&window] {
            const QUuid current = window.currentConversation();
            return !current.isNull() && window.conversationModel()->rowOf(current) == 0;
        }))
        return {};
    return window.currentConversation();
}

core::Conversation conversationRow(const ui::MainWindow &window, int row)
{
    const ui::ConversationModel *model = window.conversationModel();
    return row < model->rowCount() ? model->conversationAt(row) : core::Conversation();
}

QString threadDump(const ui::MainWindow &window)
{
    QStringList lines;
    const ui::ThreadModel *model = window.threadModel();
    for (int row = 0; row < model->rowCount(); ++row) {
        const ui::ThreadItem &item = model->item(row);
        QString line = core::roleName(item.role) + QLatin1Char(':') + item.content.left(80);
        for (const ui::ToolEntry &t : item.tools)
            line += QStringLiteral(" [%1 done=%2 ok=%3]").arg(t.call.name).arg(t.done).arg(t.success);
        lines.append(line);
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace agency::test
