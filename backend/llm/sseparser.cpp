#include "sseparser.h"

namespace agency::llm {

QList<SseEvent> SseParser::feed(const QByteArray &bytes)
{
    QList<SseEvent> out;
    qsizetype start = 0;
    const qsizetype n = bytes.size();
    if (m_skipLf && n > 0) {
        // A CR ended the previous chunk: an LF right after it is the second half of a CRLF.
        if (bytes.at(0) == '\n')
            start = 1;
        m_skipLf = false;
    }
    for (qsizetype i = start; i < n; ++i) {
        const char c = bytes.at(i);
        if (c != '\n' && c != '\r')
            continue;
        m_buffer.append(bytes.constData() + start, i - start);
        processLine(m_buffer, out);
        m_buffer.clear();
        if (c == '\r') {
            if (i + 1 < n) {
                if (bytes.at(i + 1) == '\n')
                    ++i;
            } else {
                m_skipLf = true;
            }
        }
        start = i + 1;
    }
    if (start < n)
        m_buffer.append(bytes.constData() + start, n - start);
    return out;
}

QList<SseEvent> SseParser::finish()
{
    QList<SseEvent> out;
    if (!m_buffer.isEmpty()) {
        processLine(m_buffer, out);
        m_buffer.clear();
    }
    dispatch(out);
    m_skipLf = false;
    return out;
}

bool SseParser::hasPending() const
{
    return !m_buffer.isEmpty() || m_eventStarted;
}

void SseParser::processLine(const QByteArray &line, QList<SseEvent> &out)
{
    if (line.isEmpty()) {
        dispatch(out);
        return;
    }
    if (line.startsWith(':'))
        return; // comment, e.g. ": keep-alive" or OpenRouter's ": PROCESSING"
    const qsizetype colon = line.indexOf(':');
    QByteArray field;
    QByteArray value;
    if (colon < 0) {
        field = line;
    } else {
        field = line.left(colon);
        value = line.mid(colon + 1);
        if (value.startsWith(' '))
            value.remove(0, 1);
    }
    m_eventStarted = true;
    if (field == "data") {
        if (m_hasData)
            m_data.append('\n');
        m_data.append(value);
        m_hasData = true;
    } else if (field == "event") {
        m_event = value;
    } else if (field == "id") {
        if (!value.contains('\0'))
            m_id = value;
    }
    // "retry" and unknown fields are ignored, as the specification says.
}

void SseParser::dispatch(QList<SseEvent> &out)
{
    if (m_hasData) {
        out.append(SseEvent{QString::fromUtf8(m_event), QString::fromUtf8(m_data), QString::fromUtf8(m_id)});
    }
    m_data.clear();
    m_hasData = false;
    m_event.clear();
    m_eventStarted = false;
    // The last event id persists across events, per the specification.
}

} // namespace agency::llm
