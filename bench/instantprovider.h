#pragma once

#include <QAtomicInt>
#include <QByteArray>
#include <QHash>
#include <QMutex>
#include <QStringList>
#include <QThread>

#include <memory>

namespace agency::bench {

/// An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that answers at once with a fixed
/// reply (keep-alive HTTP/1.1), on its own thread so it does not share the event loop being
/// measured. Not a test fake: it only needs to be fast and correct enough for the client.
/// setDelayMs() makes it hold each answer for a fixed time, like a real model thinking; the time
/// a turn spends beyond that delay is the product's overhead. setStreamAnswer() makes streamed
/// requests ("stream": true) get a long answer at a model's pace instead (`./dev bench ui`).
class InstantProvider
{
public:
    InstantProvider();
    ~InstantProvider();
    /// Starts listening; returns the base URL (http://127.0.0.1:PORT/v1) or empty on failure.
    QString start();
    /// Settings that make the program's default provider this one at `baseUrl` (the OpenAI
    /// adapter, a key, rate limits no benchmark reaches).
    static QHash<QString, QString> settings(const QString &baseUrl);
    /// How long each answer is held back (0: at once). Safe to call between measurements.
    void setDelayMs(int ms) { m_delayMs.storeRelaxed(ms); }

    /// What a streamed request is answered with: one chat.completion.chunk per piece, `perTick`
    /// pieces every `tickMs` milliseconds, then the finish and usage chunks and [DONE].
    struct StreamScript
    {
        QStringList pieces;
        int perTick = 1;
        int tickMs = 10;
    };
    /// Streamed requests get `script` from now on (safe to call between measurements).
    void setStreamAnswer(StreamScript script);

private:
    std::shared_ptr<const StreamScript> streamScript() const;

    QThread m_thread;
    quint16 m_port = 0;
    QAtomicInt m_delayMs = 0;
    mutable QMutex m_scriptMutex;
    std::shared_ptr<const StreamScript> m_script;
};

} // namespace agency::bench
