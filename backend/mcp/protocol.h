#pragma once

// The Model Context Protocol's messages (docs/design.md#mcp): JSON-RPC 2.0 values, the revision
// constants and method names both the MCP client and the MCP server use. Pure values and pure
// functions; thread-safe. Transports and sessions live beside this file.

#include <QByteArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

#include <optional>
#include <variant>

namespace agency::mcp {

/// Protocol revisions, oldest first. 2025-11-25 is the initialize/session revision; 2026-07-28
/// drops initialize for `server/discover` and a protocol version in each request's `_meta`.
inline const QString kProtocol20251125 = QStringLiteral("2025-11-25");
inline const QString kProtocol20260728 = QStringLiteral("2026-07-28");
/// Every revision whose JSON Schema is built in (SchemaValidator accepts these), oldest first.
QStringList knownProtocolVersions();

/// Method names.
namespace method {
inline const QString initialize = QStringLiteral("initialize");
inline const QString initialized = QStringLiteral("notifications/initialized");
inline const QString ping = QStringLiteral("ping");
inline const QString discover = QStringLiteral("server/discover");
inline const QString toolsList = QStringLiteral("tools/list");
inline const QString toolsCall = QStringLiteral("tools/call");
inline const QString cancelled = QStringLiteral("notifications/cancelled");
inline const QString progress = QStringLiteral("notifications/progress");
inline const QString toolsListChanged = QStringLiteral("notifications/tools/list_changed");
} // namespace method

/// JSON-RPC 2.0 error codes (and MCP's own).
namespace errorcode {
constexpr int parseError = -32700;
constexpr int invalidRequest = -32600;
constexpr int methodNotFound = -32601;
constexpr int invalidParams = -32602;
constexpr int internalError = -32603;
} // namespace errorcode

/// A JSON-RPC request id: a string or an integer (MCP forbids null for requests).
class RequestId
{
public:
    RequestId() = default;
    RequestId(qint64 number) : m_value(number) {}
    RequestId(QString text) : m_value(std::move(text)) {}

    /// The id of a JSON value; nullopt unless it is a string or an integral number.
    static std::optional<RequestId> fromJson(const QJsonValue &value);
    QJsonValue toJson() const;
    bool isString() const { return m_value.index() == 1; }
    /// Stable text form for maps and logs: numbers as digits, strings quoted ("\"a\"").
    QString key() const;

    friend bool operator==(const RequestId &, const RequestId &) = default;

private:
    std::variant<qint64, QString> m_value{qint64(0)};
};

/// One JSON-RPC message as it travels. Which fields mean something depends on `kind`:
/// Request: id, method, params; Notification: method, params; Result: id, result;
/// Error: id (absent when the failing message's id could not be read), code, message, data.
struct Message
{
    enum class Kind { Request, Notification, Result, Error };

    Kind kind = Kind::Notification;
    std::optional<RequestId> id;
    QString method;
    QJsonObject params;
    QJsonObject result;
    int errorCode = 0;
    QString errorMessage;
    QJsonValue errorData; ///< Undefined when absent

    static Message request(RequestId id, QString method, QJsonObject params = {});
    static Message notification(QString method, QJsonObject params = {});
    static Message resultFor(RequestId id, QJsonObject result);
    static Message errorFor(std::optional<RequestId> id, int code, QString message,
                            QJsonValue data = QJsonValue(QJsonValue::Undefined));

    bool isRequest() const { return kind == Kind::Request; }
    bool isNotification() const { return kind == Kind::Notification; }
    bool isResponse() const { return kind == Kind::Result || kind == Kind::Error; }

    /// The wire object ({"jsonrpc": "2.0", …}); params omitted when empty.
    QJsonObject toJson() const;
    /// Compact JSON without a newline (one stdio line once "\n" is appended).
    QByteArray toBytes() const;
};

/// What parseMessage() found: the message, or the Error message to send back.
struct ParsedMessage
{
    std::optional<Message> message;
    Message error; ///< meaningful when !ok()

    bool ok() const { return message.has_value(); }
};

/// Parses one message. A failure carries the Error message to send back: code -32700 for text
/// that is not JSON, -32600 for JSON that is not a single JSON-RPC 2.0 message (batches, which
/// MCP no longer allows, included), with the id when it could be read.
ParsedMessage parseMessage(const QByteArray &bytes);
/// The same for an already parsed JSON value.
ParsedMessage parseMessage(const QJsonValue &json);

/// The revision to answer a client asking for `requested` among `supported` (oldest first):
/// the requested one when supported, else the newest supported (the client then decides).
QString negotiateVersion(const QString &requested, const QStringList &supported);

} // namespace agency::mcp
