#pragma once

#include <QHash>
#include <QObject>
#include <QString>

#include <functional>

namespace agency::app {

/// The system keychain as the console uses it: one entry holding every secret setting (provider
/// keys, DATABASE_URL) as a JSON object. An interface so tests can stand in for the keychain.
///
/// Thread affinity: the GUI thread; callbacks run there, later (never inside the call).
class SecretVault
{
public:
    virtual ~SecretVault() = default;
    /// `done(secrets, error)`: error empty on success (no entry yet = no secrets); otherwise a
    /// readable reason the keychain cannot be used (none running, access denied, …).
    virtual void read(std::function<void(const QHash<QString, QString> &, const QString &error)> done) = 0;
    /// Replaces the entry with `secrets` (empty: the entry is deleted). `done(error)` as above.
    virtual void write(const QHash<QString, QString> &secrets,
                       std::function<void(const QString &error)> done) = 0;
};

/// SecretVault over qtkeychain (Secret Service or KWallet on Linux), service "aiagency", key
/// "settings". qtkeychain's insecure plain-file fallback stays off: without a keychain the
/// console writes the config file itself, with a visible warning.
class QtKeychainVault : public QObject, public SecretVault
{
    Q_OBJECT

public:
    using QObject::QObject;
    void read(std::function<void(const QHash<QString, QString> &, const QString &error)> done) override;
    void write(const QHash<QString, QString> &secrets,
               std::function<void(const QString &error)> done) override;
};

} // namespace agency::app
