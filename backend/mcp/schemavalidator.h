#pragma once

#include "protocol.h"

#include <QHash>
#include <QJsonObject>

#include <memory>

namespace agency::mcp {

/// Checks messages against the published JSON Schema of one MCP revision (built in as resources,
/// see knownProtocolVersions()). Every message the client or the server sends or accepts goes
/// through validate(). Immutable once made; copies share the parsed schema; thread-safe.
class SchemaValidator
{
public:
    /// The validator of `version`; nullopt for a revision whose schema is not built in.
    static std::optional<SchemaValidator> forVersion(const QString &version);

    QString version() const { return m_version; }

    /// Problems of `message` ("message.params.name: is required"), empty when it is valid.
    /// Requests and notifications are checked against the definition of their method (a method
    /// the revision does not define only against the generic JSON-RPC shape); a result against
    /// the result of `answeredMethod` (the method of the request it answers) when given; an
    /// error against the JSON-RPC error response.
    QStringList validate(const Message &message, const QString &answeredMethod = {}) const;
    /// Problems of `value` against the definition `#/$defs/<definition>` (e.g. "Tool").
    QStringList validateAgainst(const QJsonValue &value, const QString &definition) const;
    /// Problems of `value` against a standalone JSON Schema, e.g. tool arguments against a tool's
    /// inputSchema ("arguments.message: is required"); empty when it is valid.
    static QStringList validateValue(const QJsonValue &value, const QJsonObject &schema);
    /// Whether the revision defines `definition`.
    bool defines(const QString &definition) const;

private:
    struct Schema;
    SchemaValidator(QString version, std::shared_ptr<const Schema> schema);
    QStringList check(const QJsonValue &value, const QString &definition) const;

    QString m_version;
    std::shared_ptr<const Schema> m_schema;
};

} // namespace agency::mcp
