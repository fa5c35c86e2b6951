#include "clusterlocks.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace agency::sql {

using core::ErrorCode;
using core::makeError;

namespace {

int openLockFile(const QString &path)
{
    return ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

/// flock, retried when a signal interrupts the wait.
int lockFd(int fd, int operation)
{
    int result = 0;
    do {
        result = ::flock(fd, operation);
    } while (result != 0 && errno == EINTR);
    return result;
}

} // namespace

ClusterLocks::ClusterLocks(QString dataDir) : m_dataDir(std::move(dataDir)) {}

ClusterLocks::~ClusterLocks()
{
    unregisterUser();
    unlockControl();
}

core::Status ClusterLocks::lockControl()
{
    const QString path = m_dataDir + QStringLiteral("/aiagency.lock");
    const int fd = openLockFile(path);
    if (fd < 0 || lockFd(fd, LOCK_EX) != 0) {
        if (fd >= 0)
            ::close(fd);
        return makeError(
            ErrorCode::DatabaseUnavailable,
            QStringLiteral("cannot lock %1: %2").arg(path, QString::fromLocal8Bit(::strerror(errno))));
    }
    m_controlFd = fd;
    return {};
}

void ClusterLocks::unlockControl()
{
    if (m_controlFd >= 0)
        ::close(m_controlFd); // closing the file releases the lock
    m_controlFd = -1;
}

core::Status ClusterLocks::registerUser()
{
    if (m_userFd >= 0)
        return {};
    const QString path = m_dataDir + QStringLiteral("/aiagency.users");
    const int fd = openLockFile(path);
    // Shared locks never wait on each other; only a stop probe (non-blocking) takes it exclusively.
    if (fd < 0 || lockFd(fd, LOCK_SH) != 0) {
        if (fd >= 0)
            ::close(fd);
        return makeError(ErrorCode::DatabaseUnavailable,
                         QStringLiteral("cannot register with %1: %2")
                             .arg(path, QString::fromLocal8Bit(::strerror(errno))));
    }
    m_userFd = fd;
    return {};
}

void ClusterLocks::unregisterUser()
{
    if (m_userFd >= 0)
        ::close(m_userFd);
    m_userFd = -1;
}

bool ClusterLocks::othersRegistered() const
{
    // Only meaningful once our own registration is gone: converting our shared lock instead
    // would drop it on failure (Linux removes the old lock before trying the new one).
    Q_ASSERT(m_userFd < 0);
    const int probe = openLockFile(m_dataDir + QStringLiteral("/aiagency.users"));
    if (probe < 0)
        return true; // cannot tell: leaving a server running is the safe mistake
    const bool others = ::flock(probe, LOCK_EX | LOCK_NB) != 0;
    ::close(probe);
    return others;
}

void ClusterLocks::note(const QString &event) const
{
    QFile log(m_dataDir + QStringLiteral("/lifecycle.log"));
    if (!log.open(QIODevice::Append | QIODevice::Text))
        return;
    log.write(QStringLiteral("%1 pid %2 %3\n")
                  .arg(QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs))
                  .arg(QCoreApplication::applicationPid())
                  .arg(event)
                  .toUtf8());
}

} // namespace agency::sql
