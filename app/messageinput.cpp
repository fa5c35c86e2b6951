#include "messageinput.h"

#include <QFile>
#include <QIODevice>
#include <QLocale>
#include <QSocketNotifier>
#include <QStringDecoder>

#include <cerrno>
#include <unistd.h>

namespace agency::app {

using core::ErrorCode;
using core::makeError;

namespace {

// UTF-8 needs at most 4 bytes per character: more bytes than this cannot be a valid message.
qsizetype maxBytesFor(qsizetype maxChars)
{
    return maxChars * 4 + 4;
}

core::Error tooLong(qsizetype maxChars)
{
    return makeError(ErrorCode::PayloadTooLarge,
                     QStringLiteral("message: longer than the limit of %1 characters; nothing was sent")
                         .arg(QLocale(QLocale::English).toString(maxChars)),
                     {{QStringLiteral("field"), QStringLiteral("message")},
                      {QStringLiteral("limit"), static_cast<double>(maxChars)}});
}

} // namespace

core::Result<QString> decodeMessage(const QByteArray &bytes, qsizetype maxChars)
{
    if (bytes.size() > maxBytesFor(maxChars))
        return tooLong(maxChars);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString text = decoder.decode(bytes);
    if (decoder.hasError()) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("message: not valid UTF-8 text; nothing was sent"),
                         {{QStringLiteral("field"), QStringLiteral("message")}});
    }
    if (text.contains(QChar(0))) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("message: contains a NUL character; nothing was sent"),
                         {{QStringLiteral("field"), QStringLiteral("message")}});
    }
    const QString message = text.trimmed();
    if (message.size() > maxChars)
        return tooLong(maxChars);
    return message;
}

core::Result<QString> readMessage(QIODevice &device, qsizetype maxChars)
{
    const qsizetype maxBytes = maxBytesFor(maxChars);
    // One byte more than can be valid tells "too long" without reading an endless stream.
    const QByteArray bytes = device.read(maxBytes + 1);
    if (bytes.size() > maxBytes)
        return tooLong(maxChars);
    return decodeMessage(bytes, maxChars);
}

core::Result<QString> commandMessage(const QStringList &positional, const QString &filePath,
                                     qsizetype maxChars)
{
    const QString words = positional.join(u' ');
    if (!filePath.isEmpty() && !words.isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("give the message either as an argument or with --file, not both"));
    }
    if (filePath.isEmpty() && words != QLatin1String("-"))
        return words;
    QFile in(filePath);
    const bool fromStdin = filePath.isEmpty();
    if (!(fromStdin ? in.open(stdin, QIODevice::ReadOnly) : in.open(QIODevice::ReadOnly))) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("cannot read %1: %2")
                             .arg(fromStdin ? QStringLiteral("stdin") : filePath, in.errorString()));
    }
    auto message = readMessage(in, maxChars);
    if (message && message->isEmpty())
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("the message read from %1 is empty")
                             .arg(fromStdin ? QStringLiteral("stdin") : filePath));
    return message;
}

ReplInput::ReplInput(int fd, qsizetype maxChars, Handlers handlers, QObject *parent)
    : QObject(parent), m_fd(fd), m_maxChars(maxChars), m_maxBytes(maxBytesFor(maxChars)),
      m_handlers(std::move(handlers))
{
    m_notifier = new QSocketNotifier(m_fd, QSocketNotifier::Read, this);
    m_notifier->setEnabled(false);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] { readAvailable(); });
    m_settle.setSingleShot(true);
    m_settle.setInterval(kSettleMs);
    connect(&m_settle, &QTimer::timeout, this, [this] { deliver(); });
}

void ReplInput::resume()
{
    if (m_eof) {
        m_handlers.end();
        return;
    }
    m_notifier->setEnabled(true);
}

void ReplInput::readAvailable()
{
    // A terminal in line mode hands out one line per read(); a pipe up to its buffer size.
    char chunk[65536];
    const ssize_t n = ::read(m_fd, chunk, sizeof(chunk));
    if (n < 0) {
        if (errno == EINTR || errno == EAGAIN)
            return;
        m_eof = true;
    } else if (n == 0) {
        m_eof = true;
    }
    if (m_eof) {
        m_notifier->setEnabled(false);
        m_settle.stop();
        deliver();
        return;
    }
    if (!m_overflow) {
        m_buffer.append(chunk, static_cast<qsizetype>(n));
        if (m_buffer.size() > m_maxBytes) {
            // Keep reading to the end of the message, but do not hold it in memory.
            m_overflow = true;
            m_buffer.clear();
        }
    }
    m_endsWithNewline = chunk[n - 1] == '\n';
    // The message may be complete: wait a moment for more lines of the same paste.
    if (m_endsWithNewline)
        m_settle.start();
    else
        m_settle.stop();
}

void ReplInput::deliver()
{
    m_notifier->setEnabled(false);
    const QByteArray bytes = std::exchange(m_buffer, {});
    const bool overflow = std::exchange(m_overflow, false);
    if (overflow) {
        m_handlers.refused(tooLong(m_maxChars));
        return;
    }
    auto message = decodeMessage(bytes, m_maxChars);
    if (!message) {
        m_handlers.refused(message.error());
        return;
    }
    if (message->isEmpty()) {
        m_eof = true;
        m_handlers.end();
        return;
    }
    m_handlers.message(message.value());
}

} // namespace agency::app
