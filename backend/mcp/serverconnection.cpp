#include "serverconnection.h"

#include "core/tenantsecrets.h"
#include "httptransport.h"
#include "session.h"
#include "stdiotransport.h"

#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTimer>

Q_LOGGING_CATEGORY(lcMcpServers, "agency.mcp.servers")

namespace agency::mcp {

using core::ErrorCode;
using core::makeError;

namespace {

constexpr int kMaxBackoffMs = 60'000;

const QRegularExpression &secretPattern()
{
    static const QRegularExpression pattern(QStringLiteral("\\$\\{secret:([A-Za-z0-9_.-]+)\\}"));
    return pattern;
}

} // namespace

ServerConnection::ServerConnection(core::McpServerConfig config, QString scope, QString tenantId,
                                   QNetworkAccessManager &network, core::TenantSecretSource *secrets,
                                   Options options, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_scope(std::move(scope)),
      m_tenantId(std::move(tenantId)), m_network(network), m_secrets(secrets), m_options(std::move(options)),
      m_backoffMs(m_options.backoffMs), m_restartTimer(new QTimer(this))
{
    m_restartTimer->setSingleShot(true);
    connect(m_restartTimer, &QTimer::timeout, this, &ServerConnection::launch);
}

ServerConnection::~ServerConnection()
{
    ++m_generation;
    if (m_session)
        m_session->stop();
    notifySettled();
}

void ServerConnection::ensureStarted()
{
    if (m_state == QLatin1String("stopped"))
        launch();
}

bool ServerConnection::isReady() const
{
    return m_state == QLatin1String("ready");
}

QFuture<void> ServerConnection::settled(int timeoutMs)
{
    auto promise = std::make_shared<QPromise<void>>();
    promise->start();
    QFuture<void> future = promise->future();
    if (m_state != QLatin1String("starting")) {
        promise->finish();
        return future;
    }
    m_waiting.push_back(promise);
    QTimer::singleShot(timeoutMs, this, [promise] {
        if (!promise->future().isFinished())
            promise->finish();
    });
    return future;
}

void ServerConnection::notifySettled()
{
    auto waiting = std::move(m_waiting);
    m_waiting.clear();
    for (const auto &promise : waiting) {
        if (!promise->future().isFinished())
            promise->finish();
    }
}

void ServerConnection::launch()
{
    m_state = QStringLiteral("starting");
    ++m_generation;
    QStringList names;
    for (const QString &value : std::as_const(m_config.headers)) {
        for (auto it = secretPattern().globalMatch(value); it.hasNext();)
            names.append(it.next().captured(1));
    }
    if (names.isEmpty())
        return connectWith(m_config.headers);
    if (!m_secrets || m_tenantId.isEmpty())
        return failed(QStringLiteral("its headers name a tenant secret, and secrets are not available here"));
    names.removeDuplicates();
    resolveHeaders(m_config.headers, names);
}

void ServerConnection::resolveHeaders(QMap<QString, QString> headers, QStringList names)
{
    if (names.isEmpty())
        return connectWith(headers);
    const QString name = names.takeFirst();
    const quint64 generation = m_generation;
    m_secrets->secret(m_tenantId, name)
        .then(this, [this, headers, names, name, generation](const core::Result<QString> &value) mutable {
            if (generation != m_generation)
                return;
            if (!value)
                return failed(QStringLiteral("secret \"%1\": %2").arg(name, value.error().message));
            const QString placeholder = QStringLiteral("${secret:%1}").arg(name);
            for (QString &header : headers)
                header.replace(placeholder, value.value());
            resolveHeaders(headers, names);
        });
}

void ServerConnection::connectWith(const QMap<QString, QString> &headers)
{
    Transport *transport = nullptr;
    if (m_config.isStdio())
        transport = new StdioTransport(m_config.command, m_config.args, m_config.env);
    else
        transport = new HttpTransport(QUrl(m_config.url), headers, m_network);
    McpSession::Options options;
    options.startTimeoutMs = m_options.startTimeoutMs;
    options.clientVersion = m_options.clientVersion;
    auto *session = new McpSession(transport, options, this);
    m_session = session;
    connect(session, &McpSession::ready, this, [this, session] {
        m_state = QStringLiteral("ready");
        m_reason.clear();
        m_version = session->protocolVersion();
        m_tools = session->tools();
        m_backoffMs = m_options.backoffMs;
        qCInfo(lcMcpServers).noquote() << "MCP server" << m_config.name << "(" << m_scope << ") ready with"
                                       << m_tools.size() << "tools, revision" << m_version;
        notifySettled();
        Q_EMIT toolsChanged();
    });
    connect(session, &McpSession::toolsChanged, this, [this, session] {
        m_tools = session->tools();
        Q_EMIT toolsChanged();
    });
    connect(session, &McpSession::closed, this, [this, session](const QString &reason) {
        session->deleteLater();
        failed(reason);
    });
    session->start();
}

void ServerConnection::failed(const QString &reason)
{
    m_state = QStringLiteral("failed");
    m_reason = reason;
    qCWarning(lcMcpServers).noquote()
        << "MCP server" << m_config.name << "(" << m_scope << ") failed:" << reason << "- starting again in"
        << m_backoffMs << "ms";
    notifySettled();
    ++m_restarts;
    m_restartTimer->start(m_backoffMs);
    m_backoffMs = std::min(m_backoffMs * 2, kMaxBackoffMs);
}

core::McpServerStatus ServerConnection::status() const
{
    core::McpServerStatus status;
    status.name = m_config.name;
    status.scope = m_scope;
    status.transport = m_config.isStdio() ? QStringLiteral("stdio") : QStringLiteral("http");
    status.state = m_state;
    status.reason = m_reason;
    status.protocolVersion = m_version;
    status.toolCount = int(m_tools.size());
    status.restarts = m_restarts;
    return status;
}

core::Async<QJsonObject> ServerConnection::call(const QString &tool, const QJsonObject &arguments,
                                                const core::CancelTokenPtr &cancel)
{
    auto unavailable = [this] {
        return makeError(
            ErrorCode::ProviderUnavailable,
            QStringLiteral("MCP server \"%1\" is unavailable: %2")
                .arg(m_config.name, m_reason.isEmpty() ? QStringLiteral("it is starting") : m_reason),
            {{QStringLiteral("mcp_server"), m_config.name}});
    };
    if (isReady() && m_session)
        return m_session->callTool(tool, arguments, m_config.timeoutMs, cancel);
    if (m_state != QLatin1String("starting"))
        return core::failedAsync<QJsonObject>(unavailable());
    QPointer<ServerConnection> self(this);
    return settled(m_options.startTimeoutMs)
        .then(this,
              [self, tool, arguments, cancel, unavailable]() -> core::Async<QJsonObject> {
                  if (!self || !self->isReady() || !self->m_session)
                      return self ? core::failedAsync<QJsonObject>(unavailable())
                                  : core::failedAsync<QJsonObject>(
                                        makeError(ErrorCode::Cancelled, QStringLiteral("shutting down")));
                  return self->m_session->callTool(tool, arguments, self->m_config.timeoutMs, cancel);
              })
        .unwrap();
}

} // namespace agency::mcp
