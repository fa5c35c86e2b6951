#include "mcpsessions.h"

#include <QRandomGenerator>

namespace agency::mcpserver {

struct McpSessions::Session
{
    QString tenantId;
    QString keyId;
    std::unique_ptr<McpServer> server;
    QDateTime lastUsed;
};

namespace {

/// 128 random bits as hex: visible ASCII, as the transport requires, and unguessable.
QString newSessionId()
{
    quint64 words[2];
    QRandomGenerator::system()->fillRange(words);
    return QString::fromLatin1(QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex());
}

} // namespace

McpSessions::McpSessions(service::AgencyService &service, QObject *parent)
    : QObject(parent), m_service(service)
{
}

McpSessions::~McpSessions() = default;

void McpSessions::forgetIdle()
{
    const QDateTime cutoff = QDateTime::currentDateTimeUtc().addMSecs(-kIdleMs);
    for (auto it = m_sessions.begin(); it != m_sessions.end();) {
        if (it.value()->lastUsed < cutoff && it.value()->server->pendingCount() == 0)
            it = m_sessions.erase(it);
        else
            ++it;
    }
}

McpSessions::Opened McpSessions::open(const QString &tenantId, const QString &keyId)
{
    forgetIdle();
    if (m_sessions.size() >= kMaxSessions)
        return {};
    auto session = std::make_shared<Session>();
    session->tenantId = tenantId;
    session->keyId = keyId;
    session->server = std::make_unique<McpServer>(m_service, tenantId);
    session->lastUsed = QDateTime::currentDateTimeUtc();
    const QString id = newSessionId();
    m_sessions.insert(id, session);
    return {id, session->server.get()};
}

McpServer *McpSessions::find(const QString &id, const QString &tenantId, const QString &keyId)
{
    const auto it = m_sessions.constFind(id);
    if (it == m_sessions.cend() || it.value()->tenantId != tenantId || it.value()->keyId != keyId)
        return nullptr;
    it.value()->lastUsed = QDateTime::currentDateTimeUtc();
    return it.value()->server.get();
}

bool McpSessions::close(const QString &id, const QString &tenantId, const QString &keyId)
{
    if (!find(id, tenantId, keyId))
        return false;
    m_sessions.remove(id);
    return true;
}

} // namespace agency::mcpserver
