#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace agency::llm {

/// One server-sent event. `data` is the event's `data:` lines joined with "\n".
struct SseEvent
{
    QString event; ///< the `event:` field; empty means the default "message"
    QString data;
    QString id;

    bool isDone() const { return data == QLatin1String("[DONE]"); }
    bool operator==(const SseEvent &) const = default;
};

/// Incremental parser for the text/event-stream format (WHATWG HTML §9.2), shared by every adapter.
/// Feed it bytes exactly as they arrive from the network, split anywhere (even inside a CRLF or a
/// UTF-8 sequence): lines end with CRLF, LF or CR; lines starting with ':' are comments; an empty
/// line dispatches the event; `data:` lines accumulate; one leading space after the colon is
/// dropped; events with no data are not dispatched. Plain value; no thread affinity.
class SseParser
{
public:
    /// Consumes `bytes` and returns the events completed by them, in order.
    QList<SseEvent> feed(const QByteArray &bytes);

    /// End of stream: a final event whose blank line never came is still dispatched (servers that
    /// close right after the last `data:` line lose nothing); a dangling partial line is processed
    /// as if terminated.
    QList<SseEvent> finish();

    /// True when bytes of an unfinished line or event are pending.
    bool hasPending() const;

    void reset() { *this = SseParser(); }

private:
    void processLine(const QByteArray &line, QList<SseEvent> &out);
    void dispatch(QList<SseEvent> &out);

    QByteArray m_buffer;   ///< bytes of the current, unterminated line
    bool m_skipLf = false; ///< the previous chunk ended with CR: a leading LF belongs to it
    QByteArray m_data;     ///< data lines of the current event, joined with '\n'
    bool m_hasData = false;
    QByteArray m_event;
    QByteArray m_id;
    bool m_eventStarted = false; ///< some field line was seen since the last dispatch
};

} // namespace agency::llm
