#pragma once

#include <QDialog>
#include <QHash>

class QComboBox;
class QLineEdit;
class QSettings;

namespace agency::ui {

/// Provider keys, base URLs, default provider and model, weather key, database and rate limits,
/// written to the program's config file (`KEY=VALUE`, the file the settings layer reads; mode
/// 0600, with a visible warning that keys are stored there in clear text), and the colour scheme
/// (kept with the window layout, applied at once). Backend settings apply at the next start; the
/// dialog says so. Values set in the environment or `.env` still win over the file.
class SettingsDialog : public QDialog
{
    Q_OBJECT

public:
    SettingsDialog(QString configFilePath, QSettings &uiSettings, QWidget *parent = nullptr);

    /// The config file's current entries (empty when it does not exist).
    static QHash<QString, QString> readConfigFile(const QString &path);
    /// Writes `values` (empty values removed) keeping unknown keys and comments; mode 0600.
    /// Returns a readable error, empty on success.
    static QString writeConfigFile(const QString &path, const QHash<QString, QString> &values);

    QLineEdit *field(const QString &key) const { return m_fields.value(key); }
    QComboBox *schemeChoice() const { return m_scheme; }
    /// Saves both stores; returns a readable error (also shown), empty on success.
    QString save();

private:
    QWidget *buildProviders();
    QWidget *buildOther();
    QLineEdit *addField(const QString &key, bool secret = false, const QString &placeholder = {});

    QString m_path;
    QSettings &m_ui;
    QHash<QString, QLineEdit *> m_fields;
    QComboBox *m_provider = nullptr;
    QComboBox *m_scheme = nullptr;
};

/// Applies "system", "light" or "dark" to the application palette.
void applyColorScheme(const QString &scheme);

} // namespace agency::ui
