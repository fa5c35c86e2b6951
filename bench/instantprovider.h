#pragma once

#include <QAtomicInt>
#include <QByteArray>
#include <QThread>

namespace agency::bench {

/// An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that answers at once with a fixed
/// reply (keep-alive HTTP/1.1), on its own thread so it does not share the event loop being
/// measured. Not a test fake: it only needs to be fast and correct enough for the client.
/// setDelayMs() makes it hold each answer for a fixed time, like a real model thinking; the time
/// a turn spends beyond that delay is the product's overhead.
class InstantProvider
{
public:
    InstantProvider();
    ~InstantProvider();
    /// Starts listening; returns the base URL (http://127.0.0.1:PORT/v1) or empty on failure.
    QString start();
    /// How long each answer is held back (0: at once). Safe to call between measurements.
    void setDelayMs(int ms) { m_delayMs.storeRelaxed(ms); }

private:
    QThread m_thread;
    quint16 m_port = 0;
    QAtomicInt m_delayMs = 0;
};

} // namespace agency::bench
