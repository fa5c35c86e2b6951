#include "accesslog.h"

namespace agency::app {

namespace {
constexpr qsizetype kFlushBytes = 64 * 1024;
}

AccessLog::AccessLog(std::FILE *out, int flushMs, QObject *parent) : QObject(parent), m_out(out)
{
    m_timer.setSingleShot(true);
    m_timer.setInterval(flushMs);
    connect(&m_timer, &QTimer::timeout, this, &AccessLog::flush);
}

AccessLog::~AccessLog()
{
    flush();
}

void AccessLog::append(const QByteArray &line)
{
    m_pending += line;
    m_pending += '\n';
    if (m_pending.size() >= kFlushBytes)
        flush();
    else if (!m_timer.isActive())
        m_timer.start();
}

void AccessLog::flush()
{
    m_timer.stop();
    if (m_pending.isEmpty())
        return;
    std::fwrite(m_pending.constData(), 1, size_t(m_pending.size()), m_out);
    std::fflush(m_out);
    m_pending.clear();
}

} // namespace agency::app
