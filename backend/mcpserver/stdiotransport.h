#pragma once

#include <QByteArray>
#include <QObject>

class QSocketNotifier;

namespace agency::mcpserver {

class McpServer;

/// MCP's stdio transport for a server (docs/design.md#mcp): newline-delimited JSON-RPC messages
/// read from one file descriptor (stdin) and written to another (stdout), nothing else ever on
/// the output (logs go to stderr). At the end of input, closed() is emitted once the requests
/// still running are answered (a client that stops waiting stops the program with a signal).
/// Thread affinity: the server's thread.
class StdioTransport : public QObject
{
    Q_OBJECT

public:
    StdioTransport(McpServer &server, int inputFd, int outputFd, QObject *parent = nullptr);

    /// Starts reading.
    void start();

Q_SIGNALS:
    /// The input ended (or failed) and nothing is running any more.
    void closed();

private:
    void readAvailable();
    void handleLine(const QByteArray &line);
    void write(const QByteArray &message);

    McpServer &m_server;
    int m_input;
    int m_output;
    QSocketNotifier *m_notifier = nullptr;
    QByteArray m_buffer;
    bool m_discarding = false; ///< inside a line over the size limit
};

} // namespace agency::mcpserver
