#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "protocol.h"
#include "schemavalidator.h"
#include "transport.h"

#include <QHash>
#include <QJsonArray>
#include <QObject>
#include <QPromise>

#include <memory>
#include <optional>

class QTimer;

namespace agency::mcp {

/// The client side of one MCP session over a Transport (docs/mcp.md#using-mcp-servers-in-flows):
/// the lifecycle (initialize → notifications/initialized, or server/discover for the stateless
/// 2026-07-28 revision when the server refuses initialize and offers it), the tool list (every
/// page of tools/list, listed again on notifications/tools/list_changed), tools/call with a
/// timeout, notifications/cancelled for a call its caller gave up on, and answers to the
/// server's ping. Every message sent or accepted is checked against the JSON Schema of the
/// revision in use: an invalid answer fails its request, an invalid message is not sent.
///
/// Thread affinity: the thread it was created on (with its transport). Errors: ProviderTimeout
/// (no answer in time), ProviderUnavailable (the server is gone, or its HTTP answer failed),
/// ProviderMalformed (an answer that breaks the protocol), ProviderBadRequest (a JSON-RPC error
/// from the server), Cancelled.
class McpSession : public QObject
{
    Q_OBJECT

public:
    enum class State { Created, Starting, Ready, Closed };

    struct Options
    {
        int startTimeoutMs = 20'000; ///< initialize, and each page of the first tools/list
        QString clientName = QStringLiteral("aiagency");
        QString clientVersion;
    };

    /// Takes ownership of `transport`.
    McpSession(Transport *transport, Options options, QObject *parent = nullptr);
    ~McpSession() override;

    /// Opens the transport and initializes; ready() or closed() follows.
    void start();
    /// Ends the session (the transport closes); pending requests fail. Emits nothing.
    void stop();

    State state() const { return m_state; }
    QString protocolVersion() const { return m_version; }
    /// Why the session closed.
    QString failure() const { return m_failure; }
    /// The server's tools (MCP Tool objects) as last listed.
    QList<QJsonObject> tools() const { return m_tools; }

    /// Sends a request; the future holds its result object. `timeoutMs` <= 0: no limit of its
    /// own. A timeout or `cancel` sends notifications/cancelled to the server.
    core::Async<QJsonObject> request(const QString &method, QJsonObject params, int timeoutMs,
                                     const core::CancelTokenPtr &cancel = {});
    core::Async<QJsonObject> callTool(const QString &name, const QJsonObject &arguments, int timeoutMs,
                                      const core::CancelTokenPtr &cancel = {});

Q_SIGNALS:
    void ready();
    /// The tool list changed (listed again after notifications/tools/list_changed).
    void toolsChanged();
    void closed(const QString &reason);

private:
    struct Pending
    {
        QString method;
        std::shared_ptr<QPromise<core::Result<QJsonObject>>> promise;
        QTimer *timer = nullptr;
    };

    void initialize();
    void discover();
    void listTools(bool first, QString cursor = {}, QList<QJsonObject> collected = {}, int page = 0);
    void onMessage(const QJsonObject &json);
    void onResponse(const Message &message);
    void onRequestFailed(const QJsonValue &id, const QString &reason);
    void settle(const QString &key, const core::Result<QJsonObject> &outcome);
    /// Sends a message that validates against the revision in use; the problems otherwise.
    QStringList send(const Message &message);
    void sendCancelled(const RequestId &id, const QString &reason);
    void close(const QString &reason);
    /// The revision messages are checked against: the negotiated one, or the one being tried.
    const SchemaValidator *validator() const;
    bool stateless() const { return m_version == kProtocol20260728; }

    Transport *m_transport;
    Options m_options;
    State m_state = State::Created;
    QString m_version; ///< negotiated; empty while initializing
    QString m_tryingVersion = kProtocol20251125;
    QString m_failure;
    QList<QJsonObject> m_tools;
    QHash<QString, Pending> m_pending; ///< by RequestId::key()
    qint64 m_nextId = 1;
    bool m_listAgain = false; ///< list_changed arrived during a listing
    bool m_listing = false;
    std::optional<SchemaValidator> m_validator;
};

} // namespace agency::mcp
