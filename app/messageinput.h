#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QTimer>

#include <functional>

class QIODevice;
class QSocketNotifier;

namespace agency::app {

/// Turns raw bytes typed, piped or read from a file into one chat message, or a clear error:
/// the bytes must be valid UTF-8 without NUL characters and hold at most `maxChars` characters
/// once leading and trailing white space is removed. Empty stays empty (the caller decides).
core::Result<QString> decodeMessage(const QByteArray &bytes, qsizetype maxChars);

/// Reads a whole message from `device` (stdin or a file), refusing more than `maxChars`
/// characters without reading an unbounded amount.
core::Result<QString> readMessage(QIODevice &device, qsizetype maxChars);

/// The message a command was given: the words of `positional` joined by spaces, or all of stdin
/// when that is "-", or the file `filePath` when not empty (then `positional` must be empty).
/// Validated as decodeMessage() does; InvalidArgument when none or two are given or a file
/// cannot be read. Empty when nothing was given at all (the caller decides whether that is fine).
core::Result<QString> commandMessage(const QStringList &positional, const QString &filePath,
                                     qsizetype maxChars);

/// The REPL's input: reads a file descriptor (stdin) without blocking the event loop and cuts it
/// into messages. The rule: a message is everything that arrives before input pauses for
/// kSettleMs at the end of a line. A typed line is one message; lines that arrive together (a
/// multi-line paste, several lines written at once into a pipe) are one message with their line
/// breaks kept. A line is never split, whatever its length: bytes are decoded only once the
/// message is complete, so a character is never cut. Reading pauses while the caller handles a
/// message and resumes with resume().
class ReplInput : public QObject
{
public:
    static constexpr int kSettleMs = 30;

    struct Handlers
    {
        std::function<void(const QString &message)> message;
        std::function<void(const core::Error &refusal)> refused; ///< bad input; call resume() to go on
        std::function<void()> end;                               ///< end of input or an empty line
    };

    ReplInput(int fd, qsizetype maxChars, Handlers handlers, QObject *parent = nullptr);

    /// Waits for the next message.
    void resume();

private:
    void readAvailable();
    void deliver();

    int m_fd;
    qsizetype m_maxChars;
    qsizetype m_maxBytes;
    Handlers m_handlers;
    QSocketNotifier *m_notifier = nullptr;
    QTimer m_settle;
    QByteArray m_buffer;
    bool m_overflow = false; ///< the message went over m_maxBytes: it is dropped, then refused
    bool m_endsWithNewline = false;
    bool m_eof = false;
};

} // namespace agency::app
