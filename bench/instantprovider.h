#pragma once

#include <QByteArray>
#include <QThread>

namespace agency::bench {

/// An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that answers at once with a fixed
/// reply (keep-alive HTTP/1.1), on its own thread so it does not share the event loop being
/// measured. Not a test fake: it only needs to be fast and correct enough for the client.
class InstantProvider
{
public:
    InstantProvider();
    ~InstantProvider();
    /// Starts listening; returns the base URL (http://127.0.0.1:PORT/v1) or empty on failure.
    QString start();

private:
    QThread m_thread;
    quint16 m_port = 0;
};

} // namespace agency::bench
