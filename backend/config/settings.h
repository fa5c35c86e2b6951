#pragma once

#include "core/result.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

namespace agency::config {

/// Where an effective setting came from. Later sources win: defaults < config file < .env <
/// environment < command line (DESIGN.md §9).
enum class Source { Default, ConfigFile, DotEnv, Environment, CommandLine };
QString sourceName(Source source);

/// A setting the program knows about: its name, default, whether it is a secret (masked in
/// `config show` and never logged) and a one-line description for `config show` and the README.
struct SettingSpec
{
    QString key;
    QString defaultValue;
    bool secret = false;
    QString description;
};

/// The table of every known setting (settingspecs.cpp).
const QList<SettingSpec> &knownSettings();

/// Immutable, layered settings. Built once by the composition root and passed by const reference;
/// safe to read from any thread. Unknown keys from files or the environment are ignored except
/// when they are explicitly set on the command line (then they are kept, for forward compatibility).
class Settings
{
public:
    struct Entry
    {
        QString value;
        Source source = Source::Default;
    };

    /// Inputs for layering. Empty paths mean "no such file".
    struct Inputs
    {
        QString configFilePath;              ///< KEY=VALUE file in the XDG config dir
        QString dotEnvPath;                  ///< .env in the working directory
        QHash<QString, QString> environment; ///< usually the process environment
        QHash<QString, QString> commandLine; ///< from --set KEY=VALUE and dedicated options
    };

    Settings() = default;

    /// Layers the inputs. Fails only on an unreadable or malformed file (with file and line).
    static core::Result<Settings> load(const Inputs &inputs);
    /// Defaults + the given values as if from the environment. For tests.
    static Settings fromValues(const QHash<QString, QString> &values);
    /// The default config file path: $XDG_CONFIG_HOME/aiagency/aiagency.conf.
    static QString defaultConfigFilePath();

    QString value(const QString &key) const;
    Source source(const QString &key) const;
    bool isSet(const QString &key) const { return !value(key).isEmpty(); }
    /// Integer value; the default when unset; an InvalidArgument error naming the key otherwise.
    core::Result<qint64> intValue(const QString &key) const;
    bool boolValue(const QString &key) const;
    /// A copy with `key` overridden (source CommandLine). For per-run tweaks and tests.
    Settings with(const QString &key, const QString &value) const;

    /// Effective value of every known key, masked where secret, with source. For `config show`.
    QList<std::tuple<QString, QString, Source>> describe() const;

    static bool isSecret(const QString &key);
    /// "sk-a…(51 chars)"-style mask that never reveals more than the first 4 characters.
    static QString mask(const QString &secret);

    /// Parses KEY=VALUE lines (# comments, optional `export `, single/double quotes).
    static core::Result<QHash<QString, QString>> parseEnvFile(const QString &path);

private:
    QHash<QString, Entry> m_entries;
};

} // namespace agency::config
