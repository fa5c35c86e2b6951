#include "answerorder.h"

#include "socketwrite.h"

namespace agency::httpserver {

void AnswerOrder::hold(quint64 ticket, const QByteArray &bytes)
{
    m_held[ticket].bytes += bytes;
}

void AnswerOrder::closeAfter(quint64 ticket)
{
    if (isFront(ticket)) {
        if (m_socket)
            m_socket->disconnectFromHost();
        return;
    }
    m_held[ticket].close = true;
}

qint64 AnswerOrder::heldBytes(quint64 ticket) const
{
    if (isFront(ticket))
        return 0;
    const auto it = m_held.find(ticket);
    return it == m_held.end() ? 0 : it->second.bytes.size();
}

void AnswerOrder::release(Held &held)
{
    if (!m_socket || !m_socket->isOpen())
        return;
    if (!held.bytes.isEmpty())
        writeToClient(m_socket, held.bytes);
    held.bytes.clear();
    if (held.close)
        m_socket->disconnectFromHost();
}

void AnswerOrder::complete(quint64 ticket)
{
    if (!isFront(ticket)) {
        m_held[ticket].complete = true;
        return;
    }
    ++m_front;
    // The new front writes what it held; if it completed meanwhile, so does the next one.
    while (m_front < m_next && !m_held.empty()) {
        const auto it = m_held.find(m_front);
        if (it == m_held.end())
            return; // still being answered, nothing written yet: it writes directly from now on
        Held held = std::move(it->second);
        m_held.erase(it);
        release(held);
        if (!held.complete || held.close)
            return; // after a close nothing more is written

        ++m_front;
    }
}

void AnswerOrder::writeWhole(const QByteArray &bytes)
{
    const quint64 ticket = enqueue();
    if (isFront(ticket)) {
        if (m_socket && m_socket->isOpen())
            writeToClient(m_socket, bytes);
    } else {
        hold(ticket, bytes);
    }
    complete(ticket);
}

} // namespace agency::httpserver
