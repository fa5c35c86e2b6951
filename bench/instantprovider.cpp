#include "instantprovider.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaObject>
#include <QMutexLocker>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

namespace agency::bench {

namespace {

const QByteArray kBody =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1,"model":"bench-model","choices":[{"index":0,)"
    R"("message":{"role":"assistant","content":"Noted. Here is a short answer for the benchmark."},)"
    R"("finish_reason":"stop"}],"usage":{"prompt_tokens":42,"completion_tokens":11,"total_tokens":53}})";

/// One server-sent event carrying a chat.completion.chunk with `choices` (and `usage` when set).
QByteArray chunkEvent(const QJsonArray &choices, const QJsonObject &usage = {})
{
    QJsonObject chunk{{QStringLiteral("id"), QStringLiteral("chatcmpl-bench")},
                      {QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                      {QStringLiteral("created"), 1},
                      {QStringLiteral("model"), QStringLiteral("bench-model")},
                      {QStringLiteral("choices"), choices}};
    if (!usage.isEmpty())
        chunk.insert(QStringLiteral("usage"), usage);
    return "data: " + QJsonDocument(chunk).toJson(QJsonDocument::Compact) + "\n\n";
}

QJsonArray deltaChoice(const QJsonObject &delta, const QJsonValue &finishReason = QJsonValue::Null)
{
    return {QJsonObject{{QStringLiteral("index"), 0},
                        {QStringLiteral("delta"), delta},
                        {QStringLiteral("finish_reason"), finishReason}}};
}

/// Writes `data` as one chunk of a chunked HTTP body.
void writeChunk(QTcpSocket *socket, const QByteArray &data)
{
    socket->write(QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n");
}

/// Streams `script` on `socket`, paced by a timer owned by the socket (a closed connection stops it).
void streamAnswer(QTcpSocket *socket, const std::shared_ptr<const InstantProvider::StreamScript> &script)
{
    socket->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                  "Connection: keep-alive\r\n\r\n");
    writeChunk(socket, chunkEvent(deltaChoice({{QStringLiteral("role"), QStringLiteral("assistant")}})));
    auto *timer = new QTimer(socket);
    timer->setTimerType(Qt::PreciseTimer);
    auto next = std::make_shared<qsizetype>(0);
    QObject::connect(timer, &QTimer::timeout, socket, [socket, script, timer, next] {
        QByteArray events;
        for (int i = 0; i < script->perTick && *next < script->pieces.size(); ++i, ++*next)
            events += chunkEvent(deltaChoice({{QStringLiteral("content"), script->pieces.at(*next)}}));
        if (*next >= script->pieces.size()) {
            const qsizetype tokens = script->pieces.size();
            events += chunkEvent(deltaChoice({}, QStringLiteral("stop")));
            events += chunkEvent({}, {{QStringLiteral("prompt_tokens"), 42},
                                      {QStringLiteral("completion_tokens"), tokens},
                                      {QStringLiteral("total_tokens"), 42 + tokens}});
            events += "data: [DONE]\n\n";
            timer->deleteLater();
            timer->stop();
            writeChunk(socket, events);
            socket->write("0\r\n\r\n");
            return;
        }
        writeChunk(socket, events);
    });
    timer->start(script->tickMs);
}

/// Serves every complete request on the socket: streamed requests with `script` (when set), the
/// others with the canned answer after `delayMs`.
void serve(QTcpSocket *socket, QByteArray *buffer, int delayMs,
           const std::shared_ptr<const InstantProvider::StreamScript> &script)
{
    buffer->append(socket->readAll());
    for (;;) {
        const qsizetype headerEnd = buffer->indexOf("\r\n\r\n");
        if (headerEnd < 0)
            return;
        qsizetype length = 0;
        const QByteArray headers = buffer->left(headerEnd).toLower();
        const qsizetype at = headers.indexOf("content-length:");
        if (at >= 0)
            length = headers.mid(at + 15, headers.indexOf('\r', at) - at - 15).trimmed().toLongLong();
        if (buffer->size() < headerEnd + 4 + length)
            return;
        const bool streamed = buffer->mid(headerEnd + 4, length).contains("\"stream\":true");
        buffer->remove(0, headerEnd + 4 + length);
        if (streamed && script) {
            streamAnswer(socket, script);
            continue;
        }
        const QByteArray response = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                                    QByteArray::number(kBody.size()) + "\r\nConnection: keep-alive\r\n\r\n" +
                                    kBody;
        if (delayMs <= 0)
            socket->write(response);
        else
            QTimer::singleShot(delayMs, Qt::PreciseTimer, socket,
                               [socket, response] { socket->write(response); });
    }
}

} // namespace

InstantProvider::InstantProvider() = default;

QHash<QString, QString> InstantProvider::settings(const QString &baseUrl)
{
    return {
        {QStringLiteral("LLM_PROVIDER"), QStringLiteral("openai")},
        {QStringLiteral("OPENAI_BASE_URL"), baseUrl},
        {QStringLiteral("OPENAI_API_KEY"), QStringLiteral("bench-key")},
        {QStringLiteral("OPENAI_MODEL"), QStringLiteral("bench-model")},
        {QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("1000000000")},
        {QStringLiteral("OPENAI_RATE_LIMIT_TPH"), QStringLiteral("100000000000")},
    };
}

void InstantProvider::setStreamAnswer(StreamScript script)
{
    QMutexLocker lock(&m_scriptMutex);
    m_script = std::make_shared<const StreamScript>(std::move(script));
}

std::shared_ptr<const InstantProvider::StreamScript> InstantProvider::streamScript() const
{
    QMutexLocker lock(&m_scriptMutex);
    return m_script;
}

InstantProvider::~InstantProvider()
{
    m_thread.quit();
    m_thread.wait();
}

QString InstantProvider::start()
{
    m_thread.start();
    auto *server = new QTcpServer;
    server->moveToThread(&m_thread);
    QObject::connect(&m_thread, &QThread::finished, server, &QObject::deleteLater);
    QMetaObject::invokeMethod(
        server,
        [this, server] {
            QObject::connect(server, &QTcpServer::newConnection, server, [this, server] {
                while (QTcpSocket *socket = server->nextPendingConnection()) {
                    auto *buffer = new QByteArray;
                    QObject::connect(socket, &QTcpSocket::readyRead, socket, [this, socket, buffer] {
                        serve(socket, buffer, m_delayMs.loadRelaxed(), streamScript());
                    });
                    QObject::connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
                        delete buffer;
                        socket->deleteLater();
                    });
                }
            });
            server->listen(QHostAddress::LocalHost, 0);
            m_port = server->serverPort();
        },
        Qt::BlockingQueuedConnection);
    return m_port ? QStringLiteral("http://127.0.0.1:%1/v1").arg(m_port) : QString();
}

} // namespace agency::bench
