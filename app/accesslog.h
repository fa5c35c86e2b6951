#pragma once

#include <QByteArray>
#include <QObject>
#include <QTimer>

#include <cstdio>

namespace agency::app {

/// The server's access log: one JSON object per line on `out` (stdout). Lines are collected and
/// written together at most `flushMs` after the first of them (or as soon as 64 KiB wait, and when
/// the log is destroyed), so a request does not pay for a write and flush of its own. A process
/// killed with SIGKILL loses at most the last `flushMs` of lines; SIGTERM loses none.
class AccessLog : public QObject
{
public:
    explicit AccessLog(std::FILE *out, int flushMs = 200, QObject *parent = nullptr);
    ~AccessLog() override;

    void append(const QByteArray &line);
    void flush();

private:
    std::FILE *m_out;
    QByteArray m_pending;
    QTimer m_timer;
};

} // namespace agency::app
