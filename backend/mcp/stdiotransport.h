#pragma once

#include "transport.h"

#include <QByteArray>
#include <QMap>
#include <QProcess>
#include <QStringList>

namespace agency::mcp {

/// MCP's stdio transport: the server is a child process; messages are JSON objects, one per line,
/// on its stdin and stdout. Its stderr is kept (the last few kilobytes) to explain a failure: a
/// server that exits says why in the reason of closed(). `env` is added to the program's own
/// environment, which the child inherits.
class StdioTransport : public Transport
{
    Q_OBJECT

public:
    static constexpr qsizetype kStderrTailBytes = 2048;
    static constexpr qsizetype kMaxLineBytes = 16 * 1024 * 1024;

    StdioTransport(QString command, QStringList args, QMap<QString, QString> env, QObject *parent = nullptr);
    ~StdioTransport() override;

    void open() override;
    void send(const QJsonObject &message) override;
    void close() override;
    QString kind() const override { return QStringLiteral("stdio"); }

    /// The last lines the server wrote to stderr.
    QString stderrTail() const;

private:
    void readStdout();
    void readStderr();
    void fail(const QString &reason);

    QString m_command;
    QStringList m_args;
    QMap<QString, QString> m_env;
    QProcess *m_process = nullptr;
    QByteArray m_buffer;
    QByteArray m_stderr;
    bool m_closed = false;
};

} // namespace agency::mcp
