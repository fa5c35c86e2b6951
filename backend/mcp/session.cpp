#include "session.h"

#include <QLoggingCategory>
#include <QTimer>

Q_LOGGING_CATEGORY(lcMcp, "agency.mcp")

namespace agency::mcp {

using core::ErrorCode;
using core::makeError;

namespace {

/// At most this many pages of tools/list (a server that keeps handing out cursors is cut off).
constexpr int kMaxToolPages = 100;

QString problemsText(const QStringList &problems)
{
    QStringList shown = problems.mid(0, 5);
    if (problems.size() > shown.size())
        shown.append(QStringLiteral("…"));
    return shown.join(QStringLiteral("; "));
}

} // namespace

McpSession::McpSession(Transport *transport, Options options, QObject *parent)
    : QObject(parent), m_transport(transport), m_options(std::move(options))
{
    m_transport->setParent(this);
    m_validator = SchemaValidator::forVersion(m_tryingVersion);
    connect(m_transport, &Transport::opened, this, &McpSession::initialize);
    connect(m_transport, &Transport::received, this, &McpSession::onMessage);
    connect(m_transport, &Transport::requestFailed, this, &McpSession::onRequestFailed);
    connect(m_transport, &Transport::closed, this, [this](const QString &reason) { close(reason); });
}

McpSession::~McpSession()
{
    stop();
}

void McpSession::start()
{
    if (m_state != State::Created)
        return;
    m_state = State::Starting;
    m_transport->open();
}

void McpSession::stop()
{
    if (m_state == State::Closed)
        return;
    blockSignals(true);
    close(QStringLiteral("the connection was closed"));
    blockSignals(false);
}

const SchemaValidator *McpSession::validator() const
{
    return m_validator ? &*m_validator : nullptr;
}

void McpSession::initialize()
{
    const QJsonObject params{
        {QStringLiteral("protocolVersion"), kProtocol20251125},
        {QStringLiteral("capabilities"), QJsonObject()},
        {QStringLiteral("clientInfo"), QJsonObject{{QStringLiteral("name"), m_options.clientName},
                                                   {QStringLiteral("version"), m_options.clientVersion}}}};
    request(method::initialize, params, m_options.startTimeoutMs)
        .then(this, [this](const core::Result<QJsonObject> &result) {
            if (m_state != State::Starting)
                return;
            if (!result) {
                // A JSON-RPC error: a server of the stateless revision has no initialize.
                if (result.error().code == ErrorCode::ProviderBadRequest)
                    return discover();
                return close(QStringLiteral("initialize failed: ") + result.error().message);
            }
            const QString version = result->value(QStringLiteral("protocolVersion")).toString();
            if (version != kProtocol20251125) {
                return close(
                    QStringLiteral("the server speaks MCP revision \"%1\"; this program speaks %2 and %3")
                        .arg(version, kProtocol20251125, kProtocol20260728));
            }
            m_version = version;
            m_transport->setProtocolVersion(version);
            send(Message::notification(method::initialized));
            m_transport->initialized();
            listTools(true);
        });
}

void McpSession::discover()
{
    m_tryingVersion = kProtocol20260728;
    m_validator = SchemaValidator::forVersion(m_tryingVersion);
    m_transport->setProtocolVersion(m_tryingVersion);
    request(method::discover, {}, m_options.startTimeoutMs)
        .then(this, [this](const core::Result<QJsonObject> &result) {
            if (m_state != State::Starting)
                return;
            if (!result)
                return close(QStringLiteral("the server refused initialize and server/discover: ") +
                             result.error().message);
            const QJsonArray supported = result->value(QStringLiteral("supportedVersions")).toArray();
            if (!supported.contains(kProtocol20260728))
                return close(QStringLiteral("the server offers none of the MCP revisions %1 and %2")
                                 .arg(kProtocol20251125, kProtocol20260728));
            m_version = kProtocol20260728;
            listTools(true);
        });
}

void McpSession::listTools(bool first, QString cursor, QList<QJsonObject> collected, int page)
{
    m_listing = true;
    QJsonObject params;
    if (!cursor.isEmpty())
        params.insert(QStringLiteral("cursor"), cursor);
    request(method::toolsList, params, m_options.startTimeoutMs)
        .then(this, [this, first, cursor, collected, page](const core::Result<QJsonObject> &result) mutable {
            if (m_state == State::Closed)
                return;
            if (!result) {
                m_listing = false;
                if (first)
                    return close(QStringLiteral("tools/list failed: ") + result.error().message);
                qCWarning(lcMcp).noquote() << "listing the tools again failed:" << result.error().message;
                return;
            }
            for (const QJsonValue &tool : result->value(QStringLiteral("tools")).toArray())
                collected.append(tool.toObject());
            const QString next = result->value(QStringLiteral("nextCursor")).toString();
            if (!next.isEmpty() && next != cursor && page + 1 < kMaxToolPages)
                return listTools(first, next, std::move(collected), page + 1);
            m_listing = false;
            m_tools = collected;
            if (first) {
                m_state = State::Ready;
                Q_EMIT ready();
            } else {
                Q_EMIT toolsChanged();
            }
            if (m_listAgain) {
                m_listAgain = false;
                listTools(false);
            }
        });
}

core::Async<QJsonObject> McpSession::request(const QString &methodName, QJsonObject params, int timeoutMs,
                                             const core::CancelTokenPtr &cancel)
{
    if (m_state == State::Closed)
        return core::failedAsync<QJsonObject>(makeError(ErrorCode::ProviderUnavailable, m_failure));
    if (m_tryingVersion == kProtocol20260728) {
        // The stateless revision declares the revision and the client with every request.
        QJsonObject meta = params.value(QStringLiteral("_meta")).toObject();
        meta.insert(QStringLiteral("io.modelcontextprotocol/protocolVersion"), m_tryingVersion);
        meta.insert(QStringLiteral("io.modelcontextprotocol/clientCapabilities"), QJsonObject());
        meta.insert(QStringLiteral("io.modelcontextprotocol/clientInfo"),
                    QJsonObject{{QStringLiteral("name"), m_options.clientName},
                                {QStringLiteral("version"), m_options.clientVersion}});
        params.insert(QStringLiteral("_meta"), meta);
    }
    const RequestId id(m_nextId++);
    const QString key = id.key();
    if (const QStringList problems = send(Message::request(id, methodName, params)); !problems.isEmpty()) {
        return core::failedAsync<QJsonObject>(makeError(
            ErrorCode::InvalidArgument, QStringLiteral("the %1 request would break MCP %2: %3")
                                            .arg(methodName, m_tryingVersion, problemsText(problems))));
    }
    Pending pending;
    pending.method = methodName;
    pending.promise = std::make_shared<QPromise<core::Result<QJsonObject>>>();
    pending.promise->start();
    auto future = pending.promise->future();
    if (timeoutMs > 0) {
        pending.timer = new QTimer(this);
        pending.timer->setSingleShot(true);
        connect(pending.timer, &QTimer::timeout, this, [this, id, key, methodName, timeoutMs] {
            if (methodName != method::initialize) // the one request that must not be cancelled
                sendCancelled(id, QStringLiteral("timed out"));
            settle(key, makeError(ErrorCode::ProviderTimeout,
                                  QStringLiteral("the server did not answer %1 within %2 ms")
                                      .arg(methodName)
                                      .arg(timeoutMs),
                                  {{QStringLiteral("timeout_ms"), timeoutMs}}));
        });
        pending.timer->start(timeoutMs);
    }
    m_pending.insert(key, pending);
    if (cancel) {
        cancel->onCancel(this, [this, id, key] {
            if (!m_pending.contains(key))
                return;
            sendCancelled(id, QStringLiteral("the turn was cancelled"));
            settle(key, makeError(ErrorCode::Cancelled, QStringLiteral("the call was cancelled")));
        });
    }
    return future;
}

core::Async<QJsonObject> McpSession::callTool(const QString &name, const QJsonObject &arguments,
                                              int timeoutMs, const core::CancelTokenPtr &cancel)
{
    if (m_state != State::Ready)
        return core::failedAsync<QJsonObject>(
            makeError(ErrorCode::ProviderUnavailable,
                      m_state == State::Closed ? m_failure : QStringLiteral("the server is still starting")));
    return request(method::toolsCall,
                   {{QStringLiteral("name"), name}, {QStringLiteral("arguments"), arguments}}, timeoutMs,
                   cancel);
}

QStringList McpSession::send(const Message &message)
{
    if (const SchemaValidator *v = validator()) {
        if (QStringList problems = v->validate(message); !problems.isEmpty())
            return problems;
    }
    m_transport->send(message.toJson());
    return {};
}

void McpSession::sendCancelled(const RequestId &id, const QString &reason)
{
    if (m_state == State::Closed)
        return;
    QJsonObject params{{QStringLiteral("requestId"), id.toJson()}, {QStringLiteral("reason"), reason}};
    if (const QStringList problems = send(Message::notification(method::cancelled, params));
        !problems.isEmpty())
        qCWarning(lcMcp).noquote() << "notifications/cancelled not sent:" << problemsText(problems);
}

void McpSession::onMessage(const QJsonObject &json)
{
    if (m_state == State::Closed)
        return;
    const ParsedMessage parsed = parseMessage(QJsonValue(json));
    if (!parsed.ok()) {
        qCWarning(lcMcp).noquote() << "the server sent something that is not a JSON-RPC message:"
                                   << parsed.error.errorMessage;
        return;
    }
    const Message &message = *parsed.message;
    if (message.isResponse())
        return onResponse(message);
    if (const SchemaValidator *v = validator()) {
        if (const QStringList problems = v->validate(message); !problems.isEmpty()) {
            qCWarning(lcMcp).noquote()
                << "ignored" << message.method << "from the server:" << problemsText(problems);
            if (message.isRequest())
                send(Message::errorFor(message.id, errorcode::invalidRequest, problemsText(problems)));
            return;
        }
    }
    if (message.isRequest()) {
        if (message.method == method::ping)
            send(Message::resultFor(*message.id, {}));
        else
            send(Message::errorFor(message.id, errorcode::methodNotFound,
                                   QStringLiteral("this client does not offer %1").arg(message.method)));
        return;
    }
    if (message.method == method::toolsListChanged && m_state == State::Ready) {
        if (m_listing)
            m_listAgain = true;
        else
            listTools(false);
    }
}

void McpSession::onResponse(const Message &message)
{
    if (!message.id)
        return;
    const QString key = message.id->key();
    auto it = m_pending.constFind(key);
    if (it == m_pending.constEnd())
        return; // answered after a timeout or a cancellation: nobody waits for it any more
    if (const SchemaValidator *v = validator()) {
        if (const QStringList problems = v->validate(message, it->method); !problems.isEmpty()) {
            return settle(key, makeError(ErrorCode::ProviderMalformed,
                                         QStringLiteral("the server's answer to %1 breaks MCP %2: %3")
                                             .arg(it->method, m_tryingVersion, problemsText(problems))));
        }
    }
    if (message.kind == Message::Kind::Error) {
        return settle(key, makeError(ErrorCode::ProviderBadRequest,
                                     QStringLiteral("the server refused %1: %2 (error %3)")
                                         .arg(it->method, message.errorMessage)
                                         .arg(message.errorCode),
                                     {{QStringLiteral("mcp_error_code"), message.errorCode}}));
    }
    settle(key, message.result);
}

void McpSession::onRequestFailed(const QJsonValue &id, const QString &reason)
{
    const auto requestId = RequestId::fromJson(id);
    if (requestId)
        settle(requestId->key(), makeError(ErrorCode::ProviderUnavailable, reason));
}

void McpSession::settle(const QString &key, const core::Result<QJsonObject> &outcome)
{
    auto it = m_pending.find(key);
    if (it == m_pending.end())
        return;
    Pending pending = it.value();
    m_pending.erase(it);
    if (pending.timer)
        pending.timer->deleteLater();
    pending.promise->addResult(outcome);
    pending.promise->finish();
}

void McpSession::close(const QString &reason)
{
    if (m_state == State::Closed)
        return;
    m_state = State::Closed;
    m_failure = reason;
    m_transport->close();
    const QStringList keys = m_pending.keys();
    for (const QString &key : keys)
        settle(key, makeError(ErrorCode::ProviderUnavailable, reason));
    Q_EMIT closed(reason);
}

} // namespace agency::mcp
