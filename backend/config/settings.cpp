#include "settings.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTextStream>

namespace agency::config {

using core::ErrorCode;
using core::makeError;
using core::Result;

QString sourceName(Source source)
{
    switch (source) {
    case Source::Default:
        return QStringLiteral("default");
    case Source::ConfigFile:
        return QStringLiteral("config file");
    case Source::DotEnv:
        return QStringLiteral(".env");
    case Source::Environment:
        return QStringLiteral("environment");
    case Source::CommandLine:
        return QStringLiteral("command line");
    }
    return QStringLiteral("default");
}

namespace {

QString unquote(QString value)
{
    value = value.trimmed();
    if (value.size() >= 2 && (value.front() == u'"' || value.front() == u'\'')) {
        // KEY="value" or KEY="value" # comment: everything up to the closing quote.
        const qsizetype close = value.indexOf(value.front(), 1);
        const QString rest = close > 0 ? value.mid(close + 1).trimmed() : QString();
        if (close > 0 && (rest.isEmpty() || rest.startsWith(u'#')))
            return value.mid(1, close - 1);
        if (value.back() == value.front())
            return value.mid(1, value.size() - 2);
    }
    // An unquoted value may carry a trailing " # comment".
    const qsizetype hash = value.indexOf(QLatin1String(" #"));
    return hash >= 0 ? value.left(hash).trimmed() : value;
}

} // namespace

Result<QHash<QString, QString>> Settings::parseEnvFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("cannot read %1: %2").arg(path, file.errorString()),
                         {{QStringLiteral("file"), path}});
    QHash<QString, QString> values;
    QTextStream in(&file);
    int lineNo = 0;
    while (!in.atEnd()) {
        ++lineNo;
        QString line = in.readLine().trimmed();
        if (line.isEmpty() || line.startsWith(u'#'))
            continue;
        if (line.startsWith(QLatin1String("export ")))
            line = line.mid(7).trimmed();
        const qsizetype eq = line.indexOf(u'=');
        const QString key = eq > 0 ? line.left(eq).trimmed() : QString();
        if (key.isEmpty() || key.contains(u' ')) {
            return makeError(ErrorCode::InvalidArgument,
                             QStringLiteral("%1:%2: expected KEY=VALUE").arg(path).arg(lineNo),
                             {{QStringLiteral("file"), path}});
        }
        values.insert(key, unquote(line.mid(eq + 1)));
    }
    return values;
}

QString Settings::defaultConfigFilePath()
{
    return QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation) +
           QStringLiteral("/aiagency/aiagency.conf");
}

namespace {

/// "the config file /path", "the environment", … for error messages and `origin()`.
QString describeOrigin(const Settings::Entry &entry)
{
    switch (entry.source) {
    case Source::ConfigFile:
        return QStringLiteral("the config file %1").arg(entry.origin);
    case Source::DotEnv:
        return QStringLiteral("the .env file %1").arg(entry.origin);
    case Source::Environment:
        return QStringLiteral("the environment");
    case Source::CommandLine:
        return QStringLiteral("the command line");
    case Source::Default:
        break;
    }
    return QStringLiteral("the default");
}

core::Error invalidSetting(const QString &key, const QString &message, const QJsonObject &extra = {})
{
    QJsonObject details{{QStringLiteral("setting"), key}};
    for (auto it = extra.constBegin(); it != extra.constEnd(); ++it)
        details.insert(it.key(), it.value());
    return makeError(ErrorCode::InvalidArgument, message, details);
}

} // namespace

Result<Settings> Settings::load(const Inputs &inputs)
{
    Settings settings;
    for (const SettingSpec &spec : knownSettings())
        settings.m_entries.insert(spec.key, Entry{spec.defaultValue, Source::Default, {}});

    const std::tuple<QString, Source, bool, const char *> files[] = {
        {inputs.configFilePath, Source::ConfigFile, inputs.configFileRequired, "--config"},
        {inputs.dotEnvPath, Source::DotEnv, inputs.dotEnvRequired, "--env-file"}};
    for (const auto &[path, source, required, option] : files) {
        if (path.isEmpty())
            continue;
        if (!QFileInfo::exists(path)) {
            if (!required)
                continue;
            return makeError(ErrorCode::InvalidArgument,
                             QStringLiteral("%1 %2: no such file").arg(QLatin1String(option), path),
                             {{QStringLiteral("file"), path}});
        }
        auto values = parseEnvFile(path);
        if (!values)
            return values.error();
        for (auto it = values->cbegin(); it != values->cend(); ++it) {
            // Files may be shared with other programs: their variables are none of our business.
            if (findSetting(it.key()))
                settings.m_entries.insert(it.key(), Entry{it.value(), source, path});
        }
    }
    for (auto it = inputs.environment.cbegin(); it != inputs.environment.cend(); ++it) {
        if (findSetting(it.key()))
            settings.m_entries.insert(it.key(), Entry{it.value(), Source::Environment, {}});
    }
    for (auto it = inputs.commandLine.cbegin(); it != inputs.commandLine.cend(); ++it) {
        if (!findSetting(it.key())) {
            return invalidSetting(it.key(),
                                  QStringLiteral("unknown setting %1 on the command line (`aiagency config "
                                                 "show` lists the settings)")
                                      .arg(it.key()));
        }
        settings.m_entries.insert(it.key(), Entry{it.value(), Source::CommandLine, {}});
    }
    if (auto valid = settings.validate(); !valid)
        return valid.error();
    return settings;
}

Result<Settings> Settings::fromValues(const QHash<QString, QString> &values)
{
    Inputs inputs;
    inputs.environment = values;
    return load(inputs);
}

core::Status Settings::validate() const
{
    for (const SettingSpec &spec : knownSettings()) {
        const Entry entry = m_entries.value(spec.key);
        const QString trimmed = entry.value.trimmed();
        if (trimmed.isEmpty() || spec.accepts(trimmed))
            continue;
        const QString shown = spec.secret ? mask(trimmed) : trimmed;
        const QString from = describeOrigin(entry);
        return invalidSetting(spec.key,
                              QStringLiteral("%1=\"%2\" (from %3) is not valid; allowed: %4")
                                  .arg(spec.key, shown, from, spec.allowed()),
                              {{QStringLiteral("value"), shown},
                               {QStringLiteral("allowed"), spec.allowed()},
                               {QStringLiteral("source"), from}});
    }
    return {};
}

QString Settings::value(const QString &key) const
{
    const auto it = m_entries.constFind(key);
    if (it != m_entries.cend())
        return it->value;
    const SettingSpec *spec = findSetting(key);
    return spec ? spec->defaultValue : QString();
}

Source Settings::source(const QString &key) const
{
    const auto it = m_entries.constFind(key);
    return it != m_entries.cend() ? it->source : Source::Default;
}

QString Settings::origin(const QString &key) const
{
    return describeOrigin(m_entries.value(key));
}

QString Settings::text(const QString &key) const
{
    QString text = value(key).trimmed();
    const SettingSpec *spec = findSetting(key);
    if (text.isEmpty() && spec)
        text = spec->defaultValue;
    if (spec && spec->type == SettingType::Choice)
        text = text.toLower();
    return text;
}

qint64 Settings::integer(const QString &key) const
{
    return text(key).toLongLong();
}

bool Settings::flag(const QString &key) const
{
    const QString t = text(key).toLower();
    return t == QLatin1String("1") || t == QLatin1String("true") || t == QLatin1String("yes") ||
           t == QLatin1String("on");
}

QUrl Settings::url(const QString &key) const
{
    const QString t = text(key);
    return t.isEmpty() ? QUrl() : QUrl(t, QUrl::StrictMode);
}

Result<Settings> Settings::with(const QString &key, const QString &newValue) const
{
    if (!findSetting(key))
        return invalidSetting(key, QStringLiteral("unknown setting %1").arg(key));
    Settings copy = *this;
    copy.m_entries.insert(key, Entry{newValue, Source::CommandLine, {}});
    if (auto valid = copy.validate(); !valid)
        return valid.error();
    return copy;
}

bool Settings::isSecret(const QString &key)
{
    const SettingSpec *spec = findSetting(key);
    if (spec)
        return spec->secret;
    return key.endsWith(QLatin1String("_KEY")) || key.endsWith(QLatin1String("_TOKEN")) ||
           key.contains(QLatin1String("PASSWORD")) || key.contains(QLatin1String("SECRET"));
}

QString Settings::mask(const QString &secret)
{
    if (secret.isEmpty())
        return {};
    // URLs: hide only the password, which is the secret: in the user info (up to the last '@'
    // of the authority, in case the password holds a raw '@') and in a `password=` query item.
    if (secret.contains(QLatin1String("://"))) {
        static const QRegularExpression userInfo(QStringLiteral("://([^:/@]*):([^/?#]*)@"));
        static const QRegularExpression queryPassword(QStringLiteral("([?&]password=)[^&#]*"));
        QString masked = secret;
        masked.replace(userInfo, QStringLiteral("://\\1:****@"));
        masked.replace(queryPassword, QStringLiteral("\\1****"));
        return masked;
    }
    return secret.left(secret.size() > 12 ? 4 : 0) + QStringLiteral("****");
}

QList<std::tuple<QString, QString, Source>> Settings::describe() const
{
    QList<std::tuple<QString, QString, Source>> rows;
    QStringList keys;
    for (const SettingSpec &spec : knownSettings())
        keys.append(spec.key);
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it) {
        if (!keys.contains(it.key()))
            keys.append(it.key());
    }
    for (const QString &key : keys) {
        const QString v = value(key);
        rows.append({key, isSecret(key) ? mask(v) : v, source(key)});
    }
    return rows;
}

} // namespace agency::config
