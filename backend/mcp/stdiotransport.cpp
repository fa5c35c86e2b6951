#include "stdiotransport.h"

#include <QJsonDocument>
#include <QLoggingCategory>
#include <QProcessEnvironment>

Q_LOGGING_CATEGORY(lcMcpStdio, "agency.mcp.stdio")

namespace agency::mcp {

StdioTransport::StdioTransport(QString command, QStringList args, QMap<QString, QString> env, QObject *parent)
    : Transport(parent), m_command(std::move(command)), m_args(std::move(args)), m_env(std::move(env))
{
}

StdioTransport::~StdioTransport()
{
    close();
}

void StdioTransport::open()
{
    m_process = new QProcess(this);
    if (!m_env.isEmpty()) {
        // The child gets this program's environment (what it would inherit anyway) plus `env`;
        // nothing here is read as a setting.
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (auto it = m_env.constBegin(); it != m_env.constEnd(); ++it)
            environment.insert(it.key(), it.value());
        m_process->setProcessEnvironment(environment);
    }
    connect(m_process, &QProcess::started, this, &Transport::opened);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &StdioTransport::readStdout);
    connect(m_process, &QProcess::readyReadStandardError, this, &StdioTransport::readStderr);
    connect(m_process, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart)
            fail(QStringLiteral("could not start \"%1\": %2").arg(m_command, m_process->errorString()));
    });
    connect(m_process, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        readStdout();
        readStderr();
        QString reason = status == QProcess::CrashExit
                             ? QStringLiteral("the server process crashed")
                             : QStringLiteral("the server process exited with code %1").arg(code);
        if (const QString tail = stderrTail(); !tail.isEmpty())
            reason += QStringLiteral(" (stderr: %1)").arg(tail);
        fail(reason);
    });
    m_process->start(m_command, m_args);
}

void StdioTransport::send(const QJsonObject &message)
{
    if (!m_process || m_closed)
        return;
    QByteArray line = QJsonDocument(message).toJson(QJsonDocument::Compact);
    line.append('\n');
    m_process->write(line);
}

void StdioTransport::close()
{
    if (!m_process || m_closed)
        return;
    m_closed = true;
    m_process->disconnect(this);
    // Closing stdin asks the server to exit (as the specification advises); a stubborn one is
    // terminated, then killed.
    if (m_process->state() != QProcess::NotRunning) {
        m_process->closeWriteChannel();
        if (!m_process->waitForFinished(500)) {
            m_process->terminate();
            if (!m_process->waitForFinished(1000))
                m_process->kill();
            m_process->waitForFinished(1000);
        }
    }
}

QString StdioTransport::stderrTail() const
{
    return QString::fromUtf8(m_stderr).trimmed();
}

void StdioTransport::readStdout()
{
    if (!m_process)
        return;
    m_buffer.append(m_process->readAllStandardOutput());
    qsizetype newline;
    while (!m_closed && (newline = m_buffer.indexOf('\n')) >= 0) {
        const QByteArray line = m_buffer.left(newline).trimmed();
        m_buffer.remove(0, newline + 1);
        if (line.isEmpty())
            continue;
        QJsonParseError error{};
        const QJsonDocument document = QJsonDocument::fromJson(line, &error);
        if (error.error != QJsonParseError::NoError || !document.isObject()) {
            // Servers must write only MCP messages to stdout; a stray line is logged and skipped.
            qCWarning(lcMcpStdio).noquote()
                << m_command
                << "wrote a line that is not a JSON-RPC message:" << QString::fromUtf8(line.left(200));
            continue;
        }
        Q_EMIT received(document.object());
    }
    if (m_buffer.size() > kMaxLineBytes)
        fail(QStringLiteral("the server wrote a line longer than %1 bytes").arg(kMaxLineBytes));
}

void StdioTransport::readStderr()
{
    if (!m_process)
        return;
    m_stderr.append(m_process->readAllStandardError());
    if (m_stderr.size() > kStderrTailBytes) {
        m_stderr = m_stderr.right(kStderrTailBytes);
        if (const qsizetype newline = m_stderr.indexOf('\n'); newline >= 0)
            m_stderr.remove(0, newline + 1);
    }
}

void StdioTransport::fail(const QString &reason)
{
    if (m_closed)
        return;
    close();
    Q_EMIT closed(reason);
}

} // namespace agency::mcp
