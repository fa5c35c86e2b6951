#include "stdiotransport.h"

#include "mcpserver.h"

#include <QJsonObject>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <cerrno>
#include <unistd.h>

namespace agency::mcpserver {

Q_LOGGING_CATEGORY(lcStdio, "agency.mcp.stdio")

namespace {

// One message may carry a long question, never more than this; a longer line is refused, not buffered.
constexpr qsizetype kMaxLineBytes = 16 * 1024 * 1024;
constexpr qsizetype kReadChunk = 64 * 1024;

} // namespace

StdioTransport::StdioTransport(McpServer &server, int inputFd, int outputFd, QObject *parent)
    : QObject(parent), m_server(server), m_input(inputFd), m_output(outputFd)
{
}

void StdioTransport::start()
{
    m_notifier = new QSocketNotifier(m_input, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &StdioTransport::readAvailable);
    m_notifier->setEnabled(true);
}

void StdioTransport::readAvailable()
{
    char chunk[kReadChunk];
    const ssize_t n = ::read(m_input, chunk, sizeof chunk);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (n <= 0) {
        m_notifier->setEnabled(false);
        if (!m_buffer.trimmed().isEmpty() && !m_discarding)
            handleLine(m_buffer); // a last message without its newline
        m_buffer.clear();
        // A client that wrote its requests and closed its end still gets their answers.
        if (m_server.pendingCount() == 0) {
            Q_EMIT closed();
            return;
        }
        qCInfo(lcStdio) << "input closed; finishing" << m_server.pendingCount() << "running request(s)";
        connect(&m_server, &McpServer::idle, this, &StdioTransport::closed, Qt::QueuedConnection);
        return;
    }
    qsizetype start = 0;
    const QByteArray data(chunk, qsizetype(n));
    for (qsizetype newline = data.indexOf('\n'); newline >= 0; newline = data.indexOf('\n', start)) {
        if (m_discarding)
            m_discarding = false;
        else
            handleLine(m_buffer + data.mid(start, newline - start));
        m_buffer.clear();
        start = newline + 1;
    }
    if (m_discarding)
        return;
    m_buffer += data.mid(start);
    if (m_buffer.size() > kMaxLineBytes) {
        m_buffer.clear();
        m_discarding = true;
        write(QByteArrayLiteral(
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request: )"
            R"(a message is longer than 16 MiB"}})"));
    }
}

void StdioTransport::handleLine(const QByteArray &line)
{
    const QByteArray message = line.trimmed();
    if (message.isEmpty())
        return;
    m_server.receive(message, [this](const QByteArray &answer) {
        if (!answer.isEmpty())
            write(answer);
    });
}

void StdioTransport::write(const QByteArray &message)
{
    const QByteArray bytes = message + '\n';
    qsizetype written = 0;
    while (written < bytes.size()) {
        const ssize_t n = ::write(m_output, bytes.constData() + written, size_t(bytes.size() - written));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            qCWarning(lcStdio) << "cannot write to the client; dropping an answer";
            return;
        }
        written += n;
    }
}

} // namespace agency::mcpserver
