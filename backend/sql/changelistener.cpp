#include "changelistener.h"
#include "dbconnection.h"

#include <QElapsedTimer>
#include <QSqlDriver>
#include <QTimer>

#include <memory>

namespace agency::sql {

namespace {

/// The connection and its subscription, on the listener's thread.
class ListenWorker : public QObject
{
public:
    ListenWorker(ChangeListener *owner, ConnectionParams params, QString channel)
        : m_owner(owner), m_params(std::move(params)), m_channel(std::move(channel))
    {
    }

    void run()
    {
        m_check = new QTimer(this);
        m_check->setInterval(ChangeListener::kPollMs);
        connect(m_check, &QTimer::timeout, this, [this] { check(); });
        m_check->start();
        subscribe(false);
    }

    void stop()
    {
        if (m_check)
            m_check->stop();
        m_connection.reset();
    }

private:
    void subscribe(bool reconnected)
    {
        m_connection = std::make_unique<DbConnection>(
            m_params, QStringLiteral("listen-%1").arg(reinterpret_cast<quintptr>(this)));
        if (!m_connection->ensureOpen()) {
            m_connection.reset();
            return;
        }
        QSqlDriver *driver = m_connection->database().driver();
        connect(driver, &QSqlDriver::notification, this,
                [this](const QString &, QSqlDriver::NotificationSource, const QVariant &payload) {
                    Q_EMIT m_owner->notified(payload.toString());
                });
        if (!driver->subscribeToNotification(m_channel)) {
            m_connection.reset();
            return;
        }
        Q_EMIT m_owner->listening();
        if (reconnected)
            Q_EMIT m_owner->notified(QString());
    }

    void check()
    {
        if (m_connection) {
            if (m_connection->exec(QStringLiteral("SELECT 1"), {}, QStringLiteral("listen check")))
                return;
            m_connection.reset();
            m_sinceAttempt.start();
            Q_EMIT m_owner->lost();
            subscribe(true);
            return;
        }
        if (!m_sinceAttempt.isValid() || m_sinceAttempt.hasExpired(ChangeListener::kCheckMs)) {
            m_sinceAttempt.start();
            subscribe(true);
        }
    }

    ChangeListener *m_owner;
    ConnectionParams m_params;
    QString m_channel;
    std::unique_ptr<DbConnection> m_connection;
    QTimer *m_check = nullptr;
    QElapsedTimer m_sinceAttempt; ///< since the last attempt to connect after a loss
};

} // namespace

ChangeListener::ChangeListener(ConnectionParams params, QString channel, QObject *parent)
    : QObject(parent), m_params(std::move(params)), m_channel(std::move(channel))
{
    m_thread.setObjectName(QStringLiteral("change-listener"));
}

ChangeListener::~ChangeListener()
{
    if (m_worker) {
        QMetaObject::invokeMethod(
            m_worker, [worker = static_cast<ListenWorker *>(m_worker)] { worker->stop(); },
            Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        delete m_worker;
    }
}

void ChangeListener::start()
{
    if (m_worker)
        return;
    auto *worker = new ListenWorker(this, m_params, m_channel);
    worker->moveToThread(&m_thread);
    m_worker = worker;
    m_thread.start();
    QMetaObject::invokeMethod(
        worker, [worker] { worker->run(); }, Qt::QueuedConnection);
}

} // namespace agency::sql
