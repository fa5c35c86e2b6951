// Connecting while PostgreSQL is starting: the server refuses with "the database system is
// starting up" (SQLSTATE 57P03) until it is ready. A front on 127.0.0.1 plays that server for
// the first N connections (it speaks just enough of the wire protocol to refuse them as
// PostgreSQL does) and then relays the bytes to the real test cluster's socket. The executor's
// worker thread connects through it, waits, retries, and gets a working connection; a server that
// stays in start-up is an error after ConnectionParams::startupWaitMs, and other refusals are not
// retried at all. A connection lost while its session is being set up is an outage too.

#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QLocalSocket>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThread>
#include <QtEndian>

using namespace agency;

namespace {

/// Refuses the first `refusals` connections like a starting server, then relays to `socketPath`.
/// It serves from a thread of its own: the database worker's blocking calls (connect, and the
/// statements it sends while closing) must find it answering whatever the test thread does.
class StartingServer : public QObject
{
public:
    StartingServer(QString socketPath, int refusals, QByteArray sqlState = "57P03",
                   QByteArray message = "the database system is starting up")
        : m_socketPath(std::move(socketPath)), m_refusals(refusals), m_sqlState(std::move(sqlState)),
          m_message(std::move(message))
    {
        m_server.setParent(this);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server.nextPendingConnection()) {
                m_connections.ref();
                if (m_refused.loadRelaxed() < m_refusals) {
                    m_refused.ref();
                    refuse(client);
                } else {
                    relay(client);
                }
            }
        });
    }

    ~StartingServer() override
    {
        if (m_thread.isRunning()) {
            // Sockets are closed on their own thread, then everything comes home to be destroyed.
            QThread *home = QThread::currentThread();
            QMetaObject::invokeMethod(
                this,
                [this, home] {
                    m_server.close();
                    // Silence every socket first: destroying one emits signals whose handlers
                    // would touch its peer, already gone or about to go.
                    for (QObject *object : m_server.findChildren<QObject *>())
                        object->disconnect();
                    qDeleteAll(m_server.findChildren<QTcpSocket *>(Qt::FindDirectChildrenOnly));
                    moveToThread(home);
                },
                Qt::BlockingQueuedConnection);
            m_thread.quit();
            m_thread.wait();
        }
    }

    /// Starts the thread and listens there.
    bool listen()
    {
        moveToThread(&m_thread);
        m_thread.start();
        bool ok = false;
        QMetaObject::invokeMethod(
            this, [this, &ok] { ok = m_server.listen(QHostAddress::LocalHost); },
            Qt::BlockingQueuedConnection);
        m_port = m_server.serverPort();
        return ok;
    }
    quint16 port() const { return m_port; }
    /// The next `times` relayed connections break (both sides closed) when the client sends
    /// bytes holding `marker`, instead of passing them on: a server lost mid-conversation.
    void breakWhenClientSends(const QByteArray &marker, int times)
    {
        m_breakMarker = marker;
        m_breaks.storeRelaxed(times);
    }
    int connections() const { return m_connections.loadRelaxed(); }
    int refused() const { return m_refused.loadRelaxed(); }

private:
    /// Answers SSL and GSS encryption requests with 'N', then the start-up message with an
    /// ErrorResponse, and closes: what a server in start-up does.
    void refuse(QTcpSocket *client)
    {
        auto buffer = std::make_shared<QByteArray>();
        connect(client, &QTcpSocket::disconnected, client, &QObject::deleteLater);
        connect(client, &QTcpSocket::readyRead, client, [this, client, buffer] {
            buffer->append(client->readAll());
            while (buffer->size() >= 8) {
                const quint32 length = qFromBigEndian<quint32>(buffer->constData());
                if (static_cast<quint32>(buffer->size()) < length)
                    return;
                const quint32 code = qFromBigEndian<quint32>(buffer->constData() + 4);
                buffer->remove(0, static_cast<qsizetype>(length));
                if (code == 80877103 || code == 80877104) { // SSLRequest, GSSENCRequest
                    client->write("N");
                    continue;
                }
                QByteArray fields;
                auto field = [&fields](char type, const QByteArray &value) {
                    fields.append(type);
                    fields.append(value);
                    fields.append('\0');
                };
                field('S', "FATAL");
                field('V', "FATAL");
                field('C', m_sqlState);
                field('M', m_message);
                fields.append('\0');
                QByteArray reply(1, 'E');
                reply += QByteArray(4, '\0');
                qToBigEndian<quint32>(static_cast<quint32>(fields.size() + 4), reply.data() + 1);
                reply.append(fields);
                client->write(reply);
                client->disconnectFromHost();
                return;
            }
        });
    }

    void relay(QTcpSocket *client)
    {
        auto *server = new QLocalSocket(client);
        connect(client, &QTcpSocket::readyRead, server, [this, client, server] {
            const QByteArray bytes = client->readAll();
            if (!m_breakMarker.isEmpty() && bytes.contains(m_breakMarker) && m_breaks.loadRelaxed() > 0) {
                m_breaks.deref();
                server->abort();
                client->disconnectFromHost();
                return;
            }
            server->write(bytes);
        });
        connect(server, &QLocalSocket::readyRead, client,
                [client, server] { client->write(server->readAll()); });
        connect(server, &QLocalSocket::disconnected, client, &QTcpSocket::disconnectFromHost);
        connect(client, &QTcpSocket::disconnected, client, [client, server] {
            server->disconnectFromServer();
            client->deleteLater();
        });
        connect(server, &QLocalSocket::connected, client,
                [client, server] { server->write(client->readAll()); });
        server->connectToServer(m_socketPath);
    }

    QThread m_thread;
    QTcpServer m_server;
    quint16 m_port = 0;
    QString m_socketPath;
    int m_refusals;
    QByteArray m_sqlState;
    QByteArray m_message;
    QAtomicInt m_connections = 0;
    QAtomicInt m_refused = 0;
    QByteArray m_breakMarker;
    QAtomicInt m_breaks = 0;
};

} // namespace

class TestConnectStartup : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
        auto params = m_pg.freshDatabase(false);
        AGENCY_VERIFY_OK(params);
        m_params = params.value();
    }

    void waitsWhileTheServerStarts()
    {
        StartingServer front(socketPath(), 3);
        QVERIFY(front.listen());
        sql::DbExecutor executor(through(front, 10000), 1);
        auto answer = test::await(select(executor));
        AGENCY_VERIFY_OK(answer);
        QCOMPARE(answer.value(), 42);
        QCOMPARE(front.refused(), 3);
        QCOMPARE(front.connections(), 4);
    }

    void givesUpWhenStartUpLastsTooLong()
    {
        StartingServer front(socketPath(), 1000);
        QVERIFY(front.listen());
        sql::DbExecutor executor(through(front, 300), 1);
        auto answer = test::await(select(executor));
        QVERIFY(!answer);
        QCOMPARE(answer.error().code, core::ErrorCode::DatabaseUnavailable);
        QVERIFY2(answer.error().message.contains(QStringLiteral("starting up")),
                 qPrintable(answer.error().message));
        QVERIFY(front.refused() >= 2); // it did retry
    }

    void otherRefusalsFailAtOnce()
    {
        // "too many clients" is not start-up: waiting would only delay the error.
        StartingServer front(socketPath(), 1000, "53300", "sorry, too many clients already");
        QVERIFY(front.listen());
        sql::DbExecutor executor(through(front, 10000), 1);
        auto answer = test::await(select(executor));
        QVERIFY(!answer);
        QCOMPARE(answer.error().code, core::ErrorCode::DatabaseUnavailable);
        QVERIFY2(answer.error().message.contains(QStringLiteral("too many clients")),
                 qPrintable(answer.error().message));
        QCOMPARE(front.refused(), 1);
    }

    void lostDuringSessionSetupIsAnOutage()
    {
        // The server accepts the connection and goes away as the session is set up (a restart
        // at that moment): that is the database being unavailable, which callers retry, not a
        // database error; and the half-set-up connection is not reused.
        StartingServer front(socketPath(), 0);
        front.breakWhenClientSends("SET TIME ZONE", 1);
        QVERIFY(front.listen());
        sql::DbExecutor executor(through(front, 10000), 1);
        auto lost = test::await(select(executor));
        QVERIFY(!lost);
        QCOMPARE(lost.error().code, core::ErrorCode::DatabaseUnavailable);
        QVERIFY2(lost.error().message.contains(QStringLiteral("session setup")),
                 qPrintable(lost.error().message));
        auto answer = test::await(select(executor));
        AGENCY_VERIFY_OK(answer);
        QCOMPARE(answer.value(), 42);
        QCOMPARE(front.connections(), 2);
    }

private:
    QString socketPath() const
    {
        return QStringLiteral("%1/.s.PGSQL.%2").arg(m_params.host).arg(m_params.port);
    }

    sql::ConnectionParams through(const StartingServer &front, int startupWaitMs) const
    {
        sql::ConnectionParams params = m_params;
        params.host = QStringLiteral("127.0.0.1");
        params.port = front.port();
        params.connectOptions = QStringLiteral("sslmode=disable;gssencmode=disable");
        params.startupWaitMs = startupWaitMs;
        return params;
    }

    static core::Async<int> select(sql::DbExecutor &executor)
    {
        return executor.run<int>([](sql::DbConnection &conn) -> core::Result<int> {
            auto query = conn.exec(QStringLiteral("SELECT 42"), {}, QStringLiteral("probe"));
            if (!query)
                return query.error();
            if (!query.value()->next())
                return core::makeError(core::ErrorCode::Internal, QStringLiteral("no row"));
            return query.value()->value(0).toInt();
        });
    }

    test::TestPostgres m_pg;
    sql::ConnectionParams m_params;
};

QTEST_GUILESS_MAIN(TestConnectStartup)
#include "test_connectstartup.moc"
