#include "settingsdialog.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPalette>
#include <QSaveFile>
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
} // namespace

void applyColorScheme(const QString &scheme)
{
    if (scheme == QStringLiteral("dark"))
        QApplication::setPalette(darkPalette());
    else if (scheme == QStringLiteral("light"))
        QApplication::setPalette(QApplication::style()->standardPalette());
    else
        QApplication::setPalette(QPalette()); // back to the platform's (system) palette
}

QHash<QString, QString> SettingsDialog::readConfigFile(const QString &path)
{
    QHash<QString, QString> values;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return values;
    for (const QByteArray &raw : file.readAll().split('\n')) {
        const QString line = QString::fromUtf8(raw).trimmed();
        const qsizetype eq = line.indexOf(QLatin1Char('='));
        if (line.isEmpty() || line.startsWith(QLatin1Char('#')) || eq <= 0)
            continue;
        values.insert(line.left(eq).trimmed(), line.mid(eq + 1).trimmed());
    }
    return values;
}

QString SettingsDialog::writeConfigFile(const QString &path, const QHash<QString, QString> &values)
{
    QStringList lines;
    QSet<QString> written;
    QFile old(path);
    if (old.open(QIODevice::ReadOnly)) {
        for (const QByteArray &raw : old.readAll().split('\n')) {
            const QString line = QString::fromUtf8(raw);
            const qsizetype eq = line.indexOf(QLatin1Char('='));
            const QString key = eq > 0 ? line.left(eq).trimmed() : QString();
            if (key.isEmpty() || line.trimmed().startsWith(QLatin1Char('#')) || !values.contains(key)) {
                lines.append(line);
                continue;
            }
            written.insert(key);
            if (!values.value(key).isEmpty())
                lines.append(key + QLatin1Char('=') + values.value(key));
        }
        while (!lines.isEmpty() && lines.last().isEmpty())
            lines.removeLast();
    }
    QStringList keys = values.keys();
    keys.sort();
    for (const QString &key : keys) {
        if (!written.contains(key) && !values.value(key).isEmpty())
            lines.append(key + QLatin1Char('=') + values.value(key));
    }
    QDir().mkpath(QFileInfo(path).absolutePath());
    // Owner-only before any secret is written; QSaveFile replaces the file in one rename.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("Could not write %1: %2").arg(path, file.errorString());
    file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    file.write((lines.join(QLatin1Char('\n')) + QLatin1Char('\n')).toUtf8());
    if (!file.commit())
        return QStringLiteral("Could not write %1: %2").arg(path, file.errorString());
    return {};
}

SettingsDialog::SettingsDialog(QString configFilePath, QSettings &uiSettings, QWidget *parent)
    : QDialog(parent), m_path(std::move(configFilePath)), m_ui(uiSettings)
{
    setWindowTitle(QStringLiteral("Settings"));
    resize(620, 560);
    auto *tabs = new QTabWidget(this);
    tabs->addTab(buildProviders(), QStringLiteral("Providers"));
    tabs->addTab(buildOther(), QStringLiteral("Database, weather, limits"));
    auto *warning = new QLabel(
        QStringLiteral("<b>Keys are stored in %1</b> (readable only by you), not in a system keychain. "
                       "Provider, database and limit changes apply at the next start; the colour scheme "
                       "applies at once. Environment variables and <code>.env</code> override this file.")
            .arg(m_path.toHtmlEscaped()),
        this);
    warning->setObjectName(QStringLiteral("storageWarning"));
    warning->setWordWrap(true);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        if (save().isEmpty())
            accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(tabs, 1);
    layout->addWidget(warning);
    layout->addWidget(buttons);

    const QHash<QString, QString> current = readConfigFile(m_path);
    for (auto it = m_fields.begin(); it != m_fields.end(); ++it)
        it.value()->setText(current.value(it.key()));
    m_provider->setCurrentIndex(
        std::max<qsizetype>(0, kProviders.indexOf(current.value(QStringLiteral("LLM_PROVIDER")))));
    m_scheme->setCurrentIndex(
        std::max(0, m_scheme->findData(m_ui.value(QStringLiteral("appearance/scheme")).toString())));
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
    form->addRow(new QLabel(QStringLiteral("<b>Mistral</b>"), page));
    form->addRow(QStringLiteral("API key"), addField(QStringLiteral("MISTRAL_API_KEY"), true));
    form->addRow(QStringLiteral("Base URL"), addField(QStringLiteral("MISTRAL_BASE_URL")));
    form->addRow(QStringLiteral("Model"), addField(QStringLiteral("MISTRAL_MODEL")));
    form->addRow(new QLabel(QStringLiteral("<b>Google</b>"), page));
    form->addRow(QStringLiteral("Gemini API key"), addField(QStringLiteral("GEMINI_API_KEY"), true));
    form->addRow(QStringLiteral("Vertex AI project"), addField(QStringLiteral("VERTEX_AI_PROJECT_ID")));
    form->addRow(QStringLiteral("Vertex AI location"), addField(QStringLiteral("VERTEX_AI_LOCATION")));
    form->addRow(QStringLiteral("Vertex AI model"), addField(QStringLiteral("VERTEX_AI_MODEL")));
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
    m_scheme = new QComboBox(page);
    m_scheme->setObjectName(QStringLiteral("colorScheme"));
    m_scheme->addItem(QStringLiteral("Follow the system"), QStringLiteral("system"));
    m_scheme->addItem(QStringLiteral("Light"), QStringLiteral("light"));
    m_scheme->addItem(QStringLiteral("Dark"), QStringLiteral("dark"));
    form->addRow(QStringLiteral("Colour scheme"), m_scheme);
    return page;
}

QString SettingsDialog::save()
{
    QHash<QString, QString> values;
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it)
        values.insert(it.key(), it.value()->text().trimmed());
    values.insert(QStringLiteral("LLM_PROVIDER"), m_provider->currentText());
    const QString error = writeConfigFile(m_path, values);
    const QString scheme = m_scheme->currentData().toString();
    m_ui.setValue(QStringLiteral("appearance/scheme"), scheme);
    m_ui.sync();
    applyColorScheme(scheme);
    if (!error.isEmpty())
        QMessageBox::warning(this, windowTitle(), error);
    return error;
}

} // namespace agency::ui
