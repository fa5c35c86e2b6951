#include "secretvault.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <qt6keychain/keychain.h>

namespace agency::app {

namespace {
const QString kService = QStringLiteral("aiagency");
const QString kKey = QStringLiteral("settings");

QString keychainError(const QKeychain::Job &job)
{
    return QStringLiteral("system keychain: %1").arg(job.errorString());
}
} // namespace

void QtKeychainVault::read(std::function<void(const QHash<QString, QString> &, const QString &)> done)
{
    auto *job = new QKeychain::ReadPasswordJob(kService, this);
    job->setKey(kKey);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *finished) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(finished);
        if (read->error() == QKeychain::EntryNotFound)
            return done({}, {});
        if (read->error() != QKeychain::NoError)
            return done({}, keychainError(*read));
        QHash<QString, QString> secrets;
        const QJsonObject object = QJsonDocument::fromJson(read->textData().toUtf8()).object();
        for (auto it = object.begin(); it != object.end(); ++it)
            secrets.insert(it.key(), it.value().toString());
        done(secrets, {});
    });
    job->start();
}

void QtKeychainVault::write(const QHash<QString, QString> &secrets, std::function<void(const QString &)> done)
{
    QKeychain::Job *job = nullptr;
    if (secrets.isEmpty()) {
        job = new QKeychain::DeletePasswordJob(kService, this);
    } else {
        QJsonObject object;
        for (auto it = secrets.begin(); it != secrets.end(); ++it)
            object.insert(it.key(), it.value());
        auto *write = new QKeychain::WritePasswordJob(kService, this);
        write->setTextData(QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact)));
        job = write;
    }
    job->setKey(kKey);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *finished) {
        const bool ok = finished->error() == QKeychain::NoError ||
                        (finished->error() == QKeychain::EntryNotFound &&
                         qobject_cast<QKeychain::DeletePasswordJob *>(finished));
        done(ok ? QString() : keychainError(*finished));
    });
    job->start();
}

} // namespace agency::app
