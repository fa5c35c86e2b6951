#include "settings.h"

#include <QDir>
#include <QFile>
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

const SettingSpec *findSpec(const QString &key)
{
    for (const SettingSpec &spec : knownSettings()) {
        if (spec.key == key)
            return &spec;
    }
    return nullptr;
}

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
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("cannot read %1: %2").arg(path, file.errorString()));
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
            return makeError(ErrorCode::NotConfigured,
                             QStringLiteral("%1:%2: expected KEY=VALUE").arg(path).arg(lineNo));
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

Result<Settings> Settings::load(const Inputs &inputs)
{
    Settings settings;
    for (const SettingSpec &spec : knownSettings())
        settings.m_entries.insert(spec.key, Entry{spec.defaultValue, Source::Default});

    auto apply = [&settings](const QHash<QString, QString> &values, Source source, bool keepUnknown) {
        for (auto it = values.cbegin(); it != values.cend(); ++it) {
            if (keepUnknown || findSpec(it.key()))
                settings.m_entries.insert(it.key(), Entry{it.value(), source});
        }
    };
    for (const auto &[path, source] : {std::pair{inputs.configFilePath, Source::ConfigFile},
                                       std::pair{inputs.dotEnvPath, Source::DotEnv}}) {
        if (path.isEmpty() || !QFile::exists(path))
            continue;
        auto values = parseEnvFile(path);
        if (!values)
            return values.error();
        apply(values.value(), source, false);
    }
    apply(inputs.environment, Source::Environment, false);
    apply(inputs.commandLine, Source::CommandLine, true);
    return settings;
}

Settings Settings::fromValues(const QHash<QString, QString> &values)
{
    Inputs inputs;
    inputs.environment = values;
    auto loaded = load(inputs);
    return loaded ? loaded.value() : Settings();
}

QString Settings::value(const QString &key) const
{
    const auto it = m_entries.constFind(key);
    if (it != m_entries.cend())
        return it->value;
    const SettingSpec *spec = findSpec(key);
    return spec ? spec->defaultValue : QString();
}

Source Settings::source(const QString &key) const
{
    const auto it = m_entries.constFind(key);
    return it != m_entries.cend() ? it->source : Source::Default;
}

Result<qint64> Settings::intValue(const QString &key) const
{
    QString text = value(key).trimmed();
    if (text.isEmpty()) {
        // An empty value (`KEY=` in a .env file) means unset, not zero.
        const SettingSpec *spec = findSpec(key);
        text = spec ? spec->defaultValue.trimmed() : QString();
        if (text.isEmpty())
            return qint64{0};
    }
    bool ok = false;
    const qint64 number = text.toLongLong(&ok);
    if (!ok) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("%1 must be a whole number, got \"%2\"").arg(key, text),
                         {{QStringLiteral("setting"), key}});
    }
    return number;
}

bool Settings::boolValue(const QString &key) const
{
    const QString text = value(key).trimmed().toLower();
    return text == QLatin1String("1") || text == QLatin1String("true") || text == QLatin1String("yes") ||
           text == QLatin1String("on");
}

Settings Settings::with(const QString &key, const QString &newValue) const
{
    Settings copy = *this;
    copy.m_entries.insert(key, Entry{newValue, Source::CommandLine});
    return copy;
}

bool Settings::isSecret(const QString &key)
{
    const SettingSpec *spec = findSpec(key);
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
