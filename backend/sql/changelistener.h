#pragma once

#include "connectionparams.h"

#include <QObject>
#include <QThread>

namespace agency::sql {

/// Hears PostgreSQL notifications on one channel (LISTEN) over a connection of its own, kept on a
/// thread of its own, and re-emits them on the thread that created the listener. A dropped
/// connection is opened again (checked every few seconds); after a reconnection notified() comes
/// with an empty payload, since changes may have been missed meanwhile; lost() says when the
/// connection was found gone.
class ChangeListener : public QObject
{
    Q_OBJECT

public:
    ChangeListener(ConnectionParams params, QString channel, QObject *parent = nullptr);
    ~ChangeListener() override;

    /// How often a trivial statement runs on the connection. Qt's PostgreSQL driver (6.4) was
    /// seen handing notifications over only after a statement on their connection, seconds late
    /// otherwise; the statement also finds a lost connection within this time.
    static constexpr int kPollMs = 250;
    /// How often a lost connection is opened again.
    static constexpr int kCheckMs = 5000;

    /// Connects and listens; listening() once subscribed.
    void start();

Q_SIGNALS:
    void notified(const QString &payload);
    void listening();
    /// The connection was found gone (notifications may be missed until listening() again).
    void lost();

private:
    QThread m_thread;
    QObject *m_worker = nullptr; ///< lives on m_thread
    ConnectionParams m_params;
    QString m_channel;
};

} // namespace agency::sql
