#pragma once

#include "config/settingspec.h"
#include "core/result.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>
#include <QUrl>

namespace agency::config {

/// Where an effective setting came from. Later sources win: defaults < config file < .env <
/// environment < command line (docs/design.md#configuration).
enum class Source { Default, ConfigFile, DotEnv, Environment, CommandLine };
QString sourceName(Source source);

/// Immutable, layered, validated settings. Built once at start-up and read by the composition
/// root, which turns them into the typed config structs the components get; safe to read from any
/// thread.
///
/// Every known setting is checked against its SettingSpec when the settings are built (load(),
/// fromValues(), with()), so the typed accessors cannot fail. A bad value is one InvalidArgument
/// error naming the setting, its value (masked when secret), what is allowed and where it came
/// from, e.g. `LLM_MAX_ATTEMPTS="0" (from the command line) is not valid; allowed: whole number
/// 1–20`. Keys the program does not know are ignored in files and the environment (they hold
/// other programs' variables) and refused on the command line (a typo there is a mistake).
class Settings
{
public:
    struct Entry
    {
        QString value;
        Source source = Source::Default;
        QString origin; ///< the file the value came from (config file and .env only)
    };

    /// Inputs for layering. An empty path means "no such file"; a path that does not exist is
    /// skipped unless it is marked required (given explicitly with --config / --env-file).
    struct Inputs
    {
        QString configFilePath;              ///< KEY=VALUE file in the XDG config dir
        QString dotEnvPath;                  ///< .env in the working directory
        bool configFileRequired = false;     ///< fail when configFilePath does not exist
        bool dotEnvRequired = false;         ///< fail when dotEnvPath does not exist
        QHash<QString, QString> environment; ///< usually the process environment
        QHash<QString, QString> commandLine; ///< from --set KEY=VALUE and dedicated options
    };

    Settings() = default;

    /// Layers and validates the inputs. InvalidArgument for a missing required file, an unreadable
    /// or malformed file (with file and line), an unknown command-line key or an invalid value.
    static core::Result<Settings> load(const Inputs &inputs);
    /// Defaults + the given values as if from the environment, validated. For tests and benchmarks.
    static core::Result<Settings> fromValues(const QHash<QString, QString> &values);
    /// The default config file path: $XDG_CONFIG_HOME/aiagency/aiagency.conf.
    static QString defaultConfigFilePath();

    /// The raw effective value (not trimmed; the default when unset).
    QString value(const QString &key) const;
    Source source(const QString &key) const;
    /// "the config file /path", "the .env file /path", "the environment", "the command line" or
    /// "the default".
    QString origin(const QString &key) const;
    bool isSet(const QString &key) const { return !text(key).isEmpty(); }

    /// The trimmed value, or the default when it is empty. Choice values come back in lower case.
    QString text(const QString &key) const;
    /// An Integer setting's value (validated, so never out of its range).
    qint64 integer(const QString &key) const;
    int intValue(const QString &key) const { return static_cast<int>(integer(key)); }
    /// A Boolean setting's value.
    bool flag(const QString &key) const;
    /// A Url setting's value; an empty QUrl when unset and its default is empty.
    QUrl url(const QString &key) const;

    /// A validated copy with `key` overridden (source CommandLine). For per-run tweaks and tests.
    core::Result<Settings> with(const QString &key, const QString &value) const;

    /// Effective value of every known key, masked where secret, with source. For `config show`.
    QList<std::tuple<QString, QString, Source>> describe() const;

    static bool isSecret(const QString &key);
    /// "sk-a…(51 chars)"-style mask that never reveals more than the first 4 characters.
    static QString mask(const QString &secret);

    /// Parses KEY=VALUE lines (# comments, optional `export `, single/double quotes).
    static core::Result<QHash<QString, QString>> parseEnvFile(const QString &path);

private:
    /// Checks every entry against its spec: the first invalid one as an error.
    core::Status validate() const;

    QHash<QString, Entry> m_entries;
};

} // namespace agency::config
