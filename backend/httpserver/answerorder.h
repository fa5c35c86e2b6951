#pragma once

#include <QByteArray>
#include <QPointer>
#include <QTcpSocket>

#include <map>

namespace agency::httpserver {

/// The answers of one connection leave in the order of their requests, whatever order they are
/// ready in (HTTP/1.1 pipelining, RFC 9112 §9.3.2; docs/design.md#http). QHttpServer 6.4
/// dispatches every request of a read at once, and the answers are written as they complete, so
/// a fast answer would otherwise overtake a slow one and the client would pair them wrongly.
///
/// Every request takes a ticket when dispatched. The answer at the front (the oldest not yet
/// complete) writes straight to the socket; a later one's bytes, and its "close the connection
/// after me", are held here until every earlier answer is complete, then written in order. So a
/// later `Connection: close` never cuts an earlier answer short. The usual connection, one
/// request at a time, is always at the front: a comparison and an increment per request.
///
/// Thread affinity: the server thread. Owned by the connection (shared with its calls, which
/// may outlive the socket).
class AnswerOrder
{
public:
    explicit AnswerOrder(QTcpSocket *socket) : m_socket(socket) {}

    /// The ticket of the next request's answer.
    quint64 enqueue() { return m_next++; }
    /// True while `ticket`'s bytes may go straight to the socket.
    bool isFront(quint64 ticket) const { return ticket == m_front; }
    /// Keeps bytes of an answer that is not at the front, to write when it is.
    void hold(quint64 ticket, const QByteArray &bytes);
    /// The connection closes once this answer has been written.
    void closeAfter(quint64 ticket);
    /// Bytes held for `ticket` (back-pressure for a stream waiting behind another answer).
    qint64 heldBytes(quint64 ticket) const;
    /// `ticket`'s answer is complete: the answers behind it that are ready are written.
    void complete(quint64 ticket);

    /// Writes `bytes` as the whole answer of a new ticket, in order (the connection gate's own
    /// answers to refused requests).
    void writeWhole(const QByteArray &bytes);

private:
    struct Held
    {
        QByteArray bytes;
        bool complete = false;
        bool close = false;
    };
    void release(Held &held);

    QPointer<QTcpSocket> m_socket;
    quint64 m_next = 0;
    quint64 m_front = 0;
    std::map<quint64, Held> m_held; ///< answers behind the front that wrote or completed
};

} // namespace agency::httpserver
