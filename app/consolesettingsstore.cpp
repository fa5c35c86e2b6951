#include "consolesettingsstore.h"

#include "config/settings.h"
#include "core/async/guarded.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QSet>
#include <QTimer>

namespace agency::app {

ConsoleSettingsStore::ConsoleSettingsStore(QString configFilePath, SecretVault *vault, QObject *parent)
    : QObject(parent), m_path(std::move(configFilePath)), m_vault(vault)
{
    m_keychainProblem = QStringLiteral("no system keychain");
}

void ConsoleSettingsStore::load(std::function<void()> done)
{
    if (!m_vault) {
        m_keychain = false;
        return done();
    }
    m_vault->read(
        [this, done = std::move(done)](const QHash<QString, QString> &secrets, const QString &error) {
            m_keychain = error.isEmpty();
            m_keychainProblem = error;
            m_secrets = m_keychain ? secrets : QHash<QString, QString>();
            done();
        });
}

QHash<QString, QString> ConsoleSettingsStore::fileValues() const
{
    if (!QFileInfo::exists(m_path))
        return {};
    auto parsed = config::Settings::parseEnvFile(m_path);
    return parsed ? parsed.value() : QHash<QString, QString>();
}

QHash<QString, QString> ConsoleSettingsStore::values() const
{
    QHash<QString, QString> merged = fileValues();
    for (auto it = m_secrets.begin(); it != m_secrets.end(); ++it)
        merged.insert(it.key(), it.value());
    return merged;
}

void ConsoleSettingsStore::save(const QHash<QString, QString> &values, QObject *context,
                                std::function<void(const QString &)> done)
{
    QHash<QString, QString> secrets, plain, withoutSecrets;
    for (auto it = values.begin(); it != values.end(); ++it) {
        if (config::Settings::isSecret(it.key())) {
            if (!it.value().isEmpty())
                secrets.insert(it.key(), it.value());
            withoutSecrets.insert(it.key(), QString()); // no clear-text copy left in the file
        } else {
            plain.insert(it.key(), it.value());
            withoutSecrets.insert(it.key(), it.value());
        }
    }
    auto finish = core::guarded(context, [done](const QString &error) { done(error); });
    if (!m_keychain || !m_vault) {
        // Reported later, as the interface promises, even though the file is written now.
        const QString error = writeConfigFile(m_path, values);
        QTimer::singleShot(0, this, [finish, error] { finish(error); });
        return;
    }
    m_vault->write(secrets, [this, values, secrets, withoutSecrets, finish](const QString &error) {
        if (error.isEmpty()) {
            m_secrets = secrets;
            return finish(writeConfigFile(m_path, withoutSecrets));
        }
        // The keychain refused: the keys must not be lost, so they go to the file (0600).
        m_keychain = false;
        m_keychainProblem = error;
        m_secrets.clear();
        const QString written = writeConfigFile(m_path, values);
        finish(written.isEmpty()
                   ? QStringLiteral("The keychain did not take the keys (%1); they were written "
                                    "to %2 instead.")
                         .arg(error, m_path)
                   : written);
    });
}

QString ConsoleSettingsStore::writeConfigFile(const QString &path, const QHash<QString, QString> &values)
{
    QStringList lines;
    QSet<QString> written;
    QFile old(path);
    if (old.open(QIODevice::ReadOnly)) {
        for (const QByteArray &raw : old.readAll().split('\n')) {
            const QString line = QString::fromUtf8(raw);
            QString key = line.section(QLatin1Char('='), 0, 0).trimmed();
            if (key.startsWith(QStringLiteral("export ")))
                key = key.mid(7).trimmed();
            if (!line.contains(QLatin1Char('=')) || line.trimmed().startsWith(QLatin1Char('#')) ||
                !values.contains(key)) {
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
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return QStringLiteral("Could not create the folder of %1").arg(path);
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

} // namespace agency::app
