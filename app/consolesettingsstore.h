#pragma once

#include "secretvault.h"
#include "ui/settingsstore.h"

#include <QHash>
#include <QObject>
#include <QPointer>

namespace agency::app {

/// The console's ui::SettingsStore: settings in the config file (`KEY=VALUE`, the file the
/// settings layer reads, comments and unknown keys kept, mode 0600) and secrets (provider keys,
/// DATABASE_URL) in the system keychain when `vault` answers; without one, or when it refuses,
/// secrets go to the config file too (the dialog warns).
///
/// Thread affinity: the GUI thread. `vault` (may be null: no keychain) must outlive the store.
class ConsoleSettingsStore : public QObject, public ui::SettingsStore
{
    Q_OBJECT

public:
    ConsoleSettingsStore(QString configFilePath, SecretVault *vault, QObject *parent = nullptr);

    /// Reads the config file and asks the keychain; `done` runs once both are known. Secrets the
    /// keychain holds win over the same keys in the file.
    void load(std::function<void()> done);
    /// What the keychain holds (empty without one): the program layers these over the config file.
    QHash<QString, QString> keychainSecrets() const { return m_secrets; }
    /// Why secrets are not in the keychain (empty when they are).
    QString keychainProblem() const { return m_keychainProblem; }

    QHash<QString, QString> values() const override;
    bool secretsInKeychain() const override { return m_keychain; }
    QString configFilePath() const override { return m_path; }
    void save(const QHash<QString, QString> &values, QObject *context,
              std::function<void(const QString &error)> done) override;

    /// Writes `values` into the KEY=VALUE file at `path`: existing lines of those keys are
    /// replaced (an empty value removes the line), other lines and comments kept, new keys
    /// appended in order; created owner-only (0600) and replaced in one rename. Returns a
    /// readable error, empty on success.
    static QString writeConfigFile(const QString &path, const QHash<QString, QString> &values);

private:
    QHash<QString, QString> fileValues() const;

    QString m_path;
    SecretVault *m_vault;
    bool m_keychain = false;
    QString m_keychainProblem;
    QHash<QString, QString> m_secrets;
};

} // namespace agency::app
