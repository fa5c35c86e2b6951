#include "settingsdialog.h"

#include "core/async/whenfinished.h"
#include "errortext.h"
#include "service/agencyservice.h"
#include "settingsstore.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPalette>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>
#include <QTabWidget>
#include <QVBoxLayout>

namespace agency::ui {

namespace {
const QStringList kProviders = {QStringLiteral("demo"), QStringLiteral("openai"), QStringLiteral("mistral"),
                                QStringLiteral("vertex"), QStringLiteral("gemini")};

QPalette darkPalette()
{
    QPalette p;
    const QColor window(0x2b, 0x2d, 0x31), base(0x1f, 0x20, 0x23), text(0xe6, 0xe6, 0xe6);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x27, 0x2b));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::ToolTipBase, base);
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::Highlight, QColor(0x4c, 0x8b, 0xf5));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::PlaceholderText, QColor(0x8a, 0x8d, 0x93));
    p.setColor(QPalette::Mid, QColor(0x44, 0x46, 0x4b));
    p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x7a, 0x7d, 0x83));
    p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x7a, 0x7d, 0x83));
    return p;
}

/// `page` at its full height, scrolled when the dialog is shorter (a 700 px screen): squeezed,
/// its rows would cut a wrapped test result to a sliver.
QScrollArea *scrolling(QWidget *page)
{
    auto *area = new QScrollArea;
    area->setWidget(page);
    area->setWidgetResizable(true);
    area->setFrameShape(QFrame::NoFrame);
    area->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    return area;
}

/// A failed "Test connection" in words for the dialog: what to fix is in the fields above, and
/// nothing is sent again.
QString testFailureText(const core::Error &error)
{
    QString lead;
    switch (error.code) {
    case core::ErrorCode::ProviderUnauthorized:
        lead = QStringLiteral("The provider rejected this API key: check the key above.");
        break;
    case core::ErrorCode::NotConfigured:
        lead = QStringLiteral("Not configured: enter this provider's key above.");
        break;
    case core::ErrorCode::ProviderUnavailable:
    case core::ErrorCode::ProviderTimeout:
        lead = QStringLiteral("The provider cannot be reached: check the base URL above and the network.");
        break;
    case core::ErrorCode::ProviderBadRequest:
    case core::ErrorCode::ProviderMalformed:
        lead = QStringLiteral("The provider refused the call: check the model above.");
        break;
    default:
        return readableError(error);
    }
    return error.message.isEmpty() ? lead : lead + QStringLiteral(" (") + error.message + QLatin1Char(')');
}
} // namespace

void applyColorScheme(const QString &scheme)
{
    if (scheme == QStringLiteral("dark"))
        QApplication::setPalette(darkPalette());
    else if (scheme == QStringLiteral("light"))
        QApplication::setPalette(QApplication::style()->standardPalette());
    else {
        // Back to the platform's palette: one with no role set takes every role from it. (A
        // default-constructed QPalette is a copy of the application's, which setPalette ignores:
        // dark would stay.)
        QPalette platform(Qt::white);
        platform.setResolveMask(0);
        QApplication::setPalette(platform);
    }
}

SettingsDialog::SettingsDialog(SettingsStore &store, service::AgencyService &service, QSettings &uiSettings,
                               QWidget *parent)
    : QDialog(parent), m_store(store), m_service(service), m_ui(uiSettings)
{
    setWindowTitle(QStringLiteral("Settings"));
    resize(660, 600);
    auto *tabs = new QTabWidget(this);
    tabs->setObjectName(QStringLiteral("settingsTabs"));
    tabs->addTab(buildAppearance(), QStringLiteral("Appearance"));
    m_tabs = tabs;
    m_providersPage = scrolling(buildProviders());
    tabs->addTab(m_providersPage, QStringLiteral("Providers"));
    tabs->addTab(scrolling(buildOther()), QStringLiteral("Database, weather, limits"));
    m_storage = new QLabel(this);
    m_storage->setObjectName(QStringLiteral("storageWarning"));
    m_storage->setWordWrap(true);
    m_storage->setTextFormat(Qt::RichText);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this, buttons] {
        buttons->setEnabled(false);
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = connect(this, &SettingsDialog::saved, this, [this, buttons, once](const QString &error) {
            disconnect(*once);
            buttons->setEnabled(true);
            if (error.isEmpty())
                accept();
        });
        save();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs, 1);
    layout->addWidget(m_storage);
    m_saveError = new QLabel(this);
    m_saveError->setObjectName(QStringLiteral("saveError"));
    m_saveError->setWordWrap(true);
    m_saveError->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; font-weight: bold; }"));
    m_saveError->hide();
    layout->addWidget(m_saveError);
    layout->addWidget(buttons);

    m_loaded = m_store.values();
    for (auto it = m_fields.begin(); it != m_fields.end(); ++it)
        it.value()->setText(m_loaded.value(it.key()));
    m_provider->setCurrentIndex(
        std::max<qsizetype>(0, kProviders.indexOf(m_loaded.value(QStringLiteral("LLM_PROVIDER")))));
    m_savedScheme = m_ui.value(QStringLiteral("appearance/scheme"), QStringLiteral("system")).toString();
    m_scheme->setCurrentIndex(std::max(0, m_scheme->findData(m_savedScheme)));
    // Connected after the saved choice is shown: opening the dialog changes nothing.
    connect(m_scheme, &QComboBox::currentIndexChanged, this,
            [this] { applyColorScheme(m_scheme->currentData().toString()); });
    m_enterSends->setChecked(m_ui.value(QStringLiteral("chat/enterSends"), true).toBool());
    updateStorageNotice();
}

void SettingsDialog::showProviders()
{
    m_tabs->setCurrentWidget(m_providersPage);
}

void SettingsDialog::done(int result)
{
    if (result != QDialog::Accepted && m_scheme->currentData().toString() != m_savedScheme)
        applyColorScheme(m_savedScheme);
    QDialog::done(result);
}

void SettingsDialog::updateStorageNotice()
{
    const QString path = m_store.configFilePath().toHtmlEscaped();
    const QString rest = QStringLiteral(" Providers, keys and models apply at once; database and limit "
                                        "changes at the next start. Environment variables and "
                                        "<code>.env</code> override these values.");
    if (m_store.secretsInKeychain()) {
        m_storage->setText(
            QStringLiteral("Keys are kept in the system keychain; the other settings in %1.").arg(path) +
            rest);
        m_storage->setStyleSheet({});
    } else {
        m_storage->setText(QStringLiteral("<b>No system keychain: keys are stored in clear text in %1</b> "
                                          "(readable only by you).")
                               .arg(path) +
                           rest);
        m_storage->setStyleSheet(QStringLiteral("QLabel { color: #b3261e; }"));
    }
}

QLineEdit *SettingsDialog::addField(const QString &key, bool secret, const QString &placeholder)
{
    auto *edit = new QLineEdit(this);
    edit->setObjectName(key);
    edit->setPlaceholderText(placeholder.isEmpty() ? QStringLiteral("(default)") : placeholder);
    if (secret)
        edit->setEchoMode(QLineEdit::PasswordEchoOnEdit);
    m_fields.insert(key, edit);
    return edit;
}

QWidget *SettingsDialog::buildProviders()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    m_provider = new QComboBox(page);
    m_provider->setObjectName(QStringLiteral("LLM_PROVIDER"));
    m_provider->addItems(kProviders);
    form->addRow(QStringLiteral("Default provider"), m_provider);
    form->addRow(QStringLiteral("Default model"), addField(QStringLiteral("LLM_MODEL")));
    form->addRow(new QLabel(QStringLiteral("<b>OpenAI</b>"), page));
    form->addRow(QStringLiteral("API key"),
                 addField(QStringLiteral("OPENAI_API_KEY"), true, QStringLiteral("sk-…")));
    form->addRow(QStringLiteral("Base URL"), addField(QStringLiteral("OPENAI_BASE_URL"), false,
                                                      QStringLiteral("https://api.openai.com/v1")));
    form->addRow(QStringLiteral("Model"), addField(QStringLiteral("OPENAI_MODEL")));
    form->addRow(QString(), addTestRow(QStringLiteral("openai"), page));
    form->addRow(new QLabel(QStringLiteral("<b>Mistral</b>"), page));
    form->addRow(QStringLiteral("API key"), addField(QStringLiteral("MISTRAL_API_KEY"), true));
    form->addRow(QStringLiteral("Base URL"), addField(QStringLiteral("MISTRAL_BASE_URL")));
    form->addRow(QStringLiteral("Model"), addField(QStringLiteral("MISTRAL_MODEL")));
    form->addRow(QString(), addTestRow(QStringLiteral("mistral"), page));
    form->addRow(new QLabel(QStringLiteral("<b>Google</b>"), page));
    form->addRow(QStringLiteral("Gemini API key"), addField(QStringLiteral("GEMINI_API_KEY"), true));
    form->addRow(QStringLiteral("Vertex AI project"), addField(QStringLiteral("VERTEX_AI_PROJECT_ID")));
    form->addRow(QStringLiteral("Vertex AI location"), addField(QStringLiteral("VERTEX_AI_LOCATION")));
    form->addRow(QStringLiteral("Vertex AI model"), addField(QStringLiteral("VERTEX_AI_MODEL")));
    form->addRow(QStringLiteral("Vertex AI base URL"), addField(QStringLiteral("VERTEX_AI_BASE_URL"), false,
                                                                QStringLiteral("(from the location)")));
    form->addRow(QString(), addTestRow(QStringLiteral("vertex"), page));
    return page;
}

QWidget *SettingsDialog::addTestRow(const QString &provider, QWidget *parent)
{
    // The result goes under the button, as wide as the fields: an error with its provider's
    // message takes a few lines.
    auto *row = new QWidget(parent);
    auto *layout = new QVBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *button = new QPushButton(QStringLiteral("Test connection"), row);
    button->setObjectName(QStringLiteral("test_") + provider);
    button->setToolTip(QStringLiteral("One short call with the values as typed above (not saved)"));
    auto *result = new QLabel(row);
    result->setObjectName(QStringLiteral("testResult_") + provider);
    result->setWordWrap(true);
    result->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(button, 0, Qt::AlignLeft);
    layout->addWidget(result);
    result->setAlignment(Qt::AlignLeft | Qt::AlignTop); // right under the button, however tall the row
    result->hide();
    m_testButtons.insert(provider, button);
    m_testResults.insert(provider, result);
    connect(button, &QPushButton::clicked, this, [this, provider] { testConnection(provider); });
    return row;
}

QHash<QString, QString> SettingsDialog::typedValues() const
{
    QHash<QString, QString> values;
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it)
        values.insert(it.key(), it.value()->text().trimmed());
    values.insert(QStringLiteral("LLM_PROVIDER"), m_provider->currentText());
    return values;
}

void SettingsDialog::testConnection(const QString &provider)
{
    // What is typed wins over the running configuration; empty fields keep it.
    auto typed = [this](const char *key) { return m_fields.value(QLatin1String(key))->text().trimmed(); };
    core::ProviderOverride endpoint;
    if (provider == QStringLiteral("openai")) {
        endpoint.baseUrl = typed("OPENAI_BASE_URL");
        endpoint.apiKey = typed("OPENAI_API_KEY");
        endpoint.model = typed("OPENAI_MODEL");
    } else if (provider == QStringLiteral("mistral")) {
        endpoint.baseUrl = typed("MISTRAL_BASE_URL");
        endpoint.apiKey = typed("MISTRAL_API_KEY");
        endpoint.model = typed("MISTRAL_MODEL");
    } else {
        // Every Google field of the dialog: the Gemini API key, Vertex AI's model, project,
        // location and base URL.
        endpoint.apiKey = typed("GEMINI_API_KEY");
        endpoint.model = typed("VERTEX_AI_MODEL");
        endpoint.vertexProjectId = typed("VERTEX_AI_PROJECT_ID");
        endpoint.vertexLocation = typed("VERTEX_AI_LOCATION");
        endpoint.vertexBaseUrl = typed("VERTEX_AI_BASE_URL");
    }
    QPushButton *button = m_testButtons.value(provider);
    QLabel *result = m_testResults.value(provider);
    button->setEnabled(false);
    result->setStyleSheet({});
    result->setText(QStringLiteral("Calling…"));
    result->show();
    core::whenFinished(this, m_service.testProvider(provider, endpoint),
                       [this, provider, button, result](const core::Result<core::ProviderCheck> &check) {
                           button->setEnabled(true);
                           const QString message =
                               check ? QStringLiteral("✓ %1 answered in %2 ms: “%3”")
                                           .arg(check->model.isEmpty() ? check->provider : check->model)
                                           .arg(check->elapsedMs)
                                           .arg(check->reply.left(60))
                                     : QStringLiteral("✗ ") + testFailureText(check.error());
                           result->setStyleSheet(check ? QStringLiteral("QLabel { color: #1a7f37; }")
                                                       : QStringLiteral("QLabel { color: #b3261e; }"));
                           result->setText(message);
                           Q_EMIT connectionTested(provider, check.ok(), message);
                       });
}

QWidget *SettingsDialog::buildAppearance()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    m_scheme = new QComboBox(page);
    m_scheme->setObjectName(QStringLiteral("colorScheme"));
    m_scheme->addItem(QStringLiteral("Follow the system"), QStringLiteral("system"));
    m_scheme->addItem(QStringLiteral("Light"), QStringLiteral("light"));
    m_scheme->addItem(QStringLiteral("Dark"), QStringLiteral("dark"));
    form->addRow(QStringLiteral("Colour scheme"), m_scheme);
    auto *live = new QLabel(QStringLiteral("Shown as you choose; Cancel puts the previous one back."), page);
    live->setEnabled(false); // the muted text colour of the scheme shown
    form->addRow(QString(), live);
    m_enterSends = new QCheckBox(QStringLiteral("Enter sends the message (Shift+Enter: new line)"), page);
    m_enterSends->setObjectName(QStringLiteral("enterSends"));
    form->addRow(QString(), m_enterSends);
    return page;
}

QWidget *SettingsDialog::buildOther()
{
    auto *page = new QWidget(this);
    auto *form = new QFormLayout(page);
    form->addRow(QStringLiteral("Database URL"), addField(QStringLiteral("DATABASE_URL"), true,
                                                          QStringLiteral("empty: the embedded database")));
    form->addRow(QStringLiteral("OpenWeatherMap key"), addField(QStringLiteral("OPENWEATHER_API_KEY"), true,
                                                                QStringLiteral("empty: Open-Meteo, no key")));
    for (const QString &p : {QStringLiteral("OPENAI"), QStringLiteral("MISTRAL"), QStringLiteral("VERTEX"),
                             QStringLiteral("GEMINI"), QStringLiteral("DEMO")}) {
        form->addRow(QStringLiteral("%1 tokens / minute").arg(p.toLower()),
                     addField(p + QStringLiteral("_RATE_LIMIT_TPM"), false, QStringLiteral("(default)")));
        form->addRow(QStringLiteral("%1 tokens / hour").arg(p.toLower()),
                     addField(p + QStringLiteral("_RATE_LIMIT_TPH"), false, QStringLiteral("(default)")));
    }
    return page;
}

void SettingsDialog::save()
{
    m_savedScheme = m_scheme->currentData().toString(); // shown since it was chosen
    m_ui.setValue(QStringLiteral("appearance/scheme"), m_savedScheme);
    m_ui.setValue(QStringLiteral("chat/enterSends"), m_enterSends->isChecked());
    m_ui.sync();
    const QHash<QString, QString> values = typedValues();
    QStringList restartKeys;
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        if (it.value() != m_loaded.value(it.key()))
            restartKeys.append(it.key());
    }
    restartKeys.sort();
    m_store.save(values, this, [this, values, restartKeys](const QString &error) {
        updateStorageNotice();
        // In the dialog, not in a message box: the keys may have been saved elsewhere than asked,
        // and the user should read that next to the storage notice.
        m_saveError->setText(error);
        m_saveError->setVisible(!error.isEmpty());
        m_loaded = values;
        Q_EMIT saved(error, restartKeys);
    });
}

} // namespace agency::ui
