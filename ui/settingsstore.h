#pragma once

#include <QHash>
#include <QString>

#include <functional>

class QObject;

namespace agency::ui {

/// Where the settings dialog keeps the product settings (provider keys, base URLs, database, rate
/// limits). The console never writes the backend's files itself: the program passes an
/// implementation in (app/consolesettingsstore.h: the config file, with provider keys in the
/// system keychain when one answers).
///
/// Thread affinity: the GUI thread.
class SettingsStore
{
public:
    virtual ~SettingsStore() = default;

    /// The stored values, keys kept in the keychain included.
    virtual QHash<QString, QString> values() const = 0;
    /// True when secrets (keys, database URL) are kept in the system keychain; false when they go
    /// to the config file (readable only by the user), which the dialog warns about.
    virtual bool secretsInKeychain() const = 0;
    /// The config file the other settings are written to.
    virtual QString configFilePath() const = 0;
    /// Stores `values`; an empty value removes the key. `done` runs later on the calling thread,
    /// while `context` lives, with a readable error (empty on success). When the keychain refuses
    /// the keys they are written to the config file instead and `done` says so.
    virtual void save(const QHash<QString, QString> &values, QObject *context,
                      std::function<void(const QString &error)> done) = 0;
};

} // namespace agency::ui
