#pragma once

#include "servicetypes.h"

#include <QDialog>
#include <QHash>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSettings;
class QTabWidget;

namespace agency::ui {

class SettingsStore;

/// Appearance first (the colour scheme, shown live as it is chosen and put back on Cancel; how
/// Enter behaves), both kept with the window layout; then provider keys, base URLs, default
/// provider and model, weather key, database and rate limits, kept by a SettingsStore (the
/// config file; keys in the system keychain when there is one, otherwise in the file with a
/// visible warning). A "Test connection" button per provider runs one short call with the values
/// as typed and says what to fix in the fields above. Providers apply at once, the database and
/// limits at the next start (saved() lists which changed). Environment variables and `.env`
/// still win.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    SettingsDialog(SettingsStore &store, service::AgencyService &service, QSettings &uiSettings,
                   QWidget *parent = nullptr);

    QLineEdit *field(const QString &key) const { return m_fields.value(key); }
    QComboBox *schemeChoice() const { return m_scheme; }
    /// The "Test connection" button of provider `name` (openai, mistral, vertex) and its result line.
    QPushButton *testButton(const QString &name) const { return m_testButtons.value(name); }
    QLabel *testResult(const QString &name) const { return m_testResults.value(name); }
    /// Saves both stores; saved() follows (the dialog closes on success when saved from its button).
    void save();
    /// Shows the provider keys and URLs (opened from an error they fix).
    void showProviders();
    /// Cancel (and Esc, and closing) puts back the colour scheme the dialog was opened with.
    void done(int result) override;

Q_SIGNALS:
    /// A save finished: `error` readable, empty on success; `restartKeys` are the changed settings
    /// that take effect at the next start.
    void saved(const QString &error, const QStringList &restartKeys);
    /// A "Test connection" finished; `ok` false with a readable message otherwise.
    void connectionTested(const QString &provider, bool ok, const QString &message);

private:
    QWidget *buildAppearance();
    QWidget *buildProviders();
    QWidget *buildOther();
    QLineEdit *addField(const QString &key, bool secret = false, const QString &placeholder = {});
    QWidget *addTestRow(const QString &provider, QWidget *parent);
    void testConnection(const QString &provider);
    QHash<QString, QString> typedValues() const;
    void updateStorageNotice();

    SettingsStore &m_store;
    service::AgencyService &m_service;
    QSettings &m_ui;
    QHash<QString, QLineEdit *> m_fields;
    QHash<QString, QPushButton *> m_testButtons;
    QHash<QString, QLabel *> m_testResults;
    QHash<QString, QString> m_loaded;
    QComboBox *m_provider = nullptr;
    QCheckBox *m_enterSends = nullptr;
    QComboBox *m_scheme = nullptr;
    QLabel *m_storage = nullptr;
    QLabel *m_saveError = nullptr;
    QString m_savedScheme; ///< what Cancel goes back to
    QTabWidget *m_tabs = nullptr;
    QWidget *m_providersPage = nullptr;
};

/// Applies "system", "light" or "dark" to the application palette.
void applyColorScheme(const QString &scheme);

} // namespace agency::ui
