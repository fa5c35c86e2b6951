#include "conversationexport.h"

#include "core/json.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <cstdlib>

namespace agency::service {

namespace {
QString iso(const QDateTime &dt)
{
    return dt.toUTC().toString(Qt::ISODateWithMs);
}

QString readableDay(const QDateTime &local)
{
    return QLocale().toString(local, QStringLiteral("d MMMM yyyy, HH:mm"));
}

/// "CET (UTC+01:00)": the zone the Markdown export's times are in.
QString zoneName(const QDateTime &local)
{
    const int offset = local.offsetFromUtc();
    const QString utc = QStringLiteral("UTC%1%2:%3")
                            .arg(offset < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                            .arg(std::abs(offset) / 3600, 2, 10, QLatin1Char('0'))
                            .arg(std::abs(offset) % 3600 / 60, 2, 10, QLatin1Char('0'));
    const QString abbreviation = local.timeZoneAbbreviation();
    return abbreviation.isEmpty() || abbreviation == utc ? utc
                                                         : abbreviation + QStringLiteral(" (") + utc + u')';
}

/// A message's time for its heading: the date too when it is not the previous one's day.
class MessageTimes
{
public:
    QString next(const QDateTime &utc)
    {
        const QDateTime local = utc.toLocalTime();
        const bool sameDay = local.date() == m_day;
        m_day = local.date();
        return sameDay ? QLocale().toString(local, QStringLiteral("HH:mm")) : readableDay(local);
    }

private:
    QDate m_day;
};
} // namespace

QJsonObject conversationToJson(const core::Conversation &c)
{
    return {{QStringLiteral("conversation_id"), c.conversationId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("tenant_id"), c.tenantId},
            {QStringLiteral("flow_type"), c.flowType},
            {QStringLiteral("title"), c.title},
            {QStringLiteral("flow_metadata"), c.metadata},
            {QStringLiteral("message_count"), c.messageCount},
            {QStringLiteral("created_at"), iso(c.createdAt)},
            {QStringLiteral("updated_at"), iso(c.updatedAt)}};
}

QJsonObject messageToJson(const core::Message &m)
{
    QJsonObject json{{QStringLiteral("id"), m.id},
                     {QStringLiteral("conversation_id"), m.conversationId.toString(QUuid::WithoutBraces)},
                     {QStringLiteral("role"), core::roleName(m.role)},
                     {QStringLiteral("content"), m.content},
                     {QStringLiteral("message_metadata"), m.metadata},
                     {QStringLiteral("created_at"), iso(m.createdAt)}};
    if (!m.toolCalls.isEmpty())
        json.insert(QStringLiteral("tool_calls"), core::toolCallsToJson(m.toolCalls));
    if (!m.toolCallId.isEmpty())
        json.insert(QStringLiteral("tool_call_id"), m.toolCallId);
    return json;
}

QJsonObject tenantToJson(const core::Tenant &t)
{
    return {{QStringLiteral("tenant_id"), t.tenantId},
            {QStringLiteral("name"), t.name},
            {QStringLiteral("settings"), t.settings},
            {QStringLiteral("conversation_count"), t.conversationCount},
            {QStringLiteral("created_at"), iso(t.createdAt)},
            {QStringLiteral("updated_at"), iso(t.updatedAt)}};
}

QByteArray exportConversation(const core::Conversation &conversation, const QList<core::Message> &messages,
                              ExportFormat format)
{
    if (format == ExportFormat::Json) {
        QJsonArray list;
        for (const core::Message &m : messages)
            list.append(messageToJson(m));
        QJsonObject doc = conversationToJson(conversation);
        doc.insert(QStringLiteral("messages"), list);
        return QJsonDocument(doc).toJson(QJsonDocument::Indented);
    }
    QString md;
    md += QStringLiteral("# %1\n\n")
              .arg(conversation.title.isEmpty() ? QStringLiteral("Conversation") : conversation.title);
    const QDateTime started = conversation.createdAt.toLocalTime();
    md += QStringLiteral("- Tenant: %1\n- Flow: %2\n- Started: %3\n- Last activity: %4\n- Times: %5\n\n")
              .arg(conversation.tenantId, conversation.flowType, readableDay(started),
                   readableDay(conversation.updatedAt.toLocalTime()), zoneName(started));
    MessageTimes times;
    for (const core::Message &m : messages) {
        const QString when = times.next(m.createdAt);
        switch (m.role) {
        case core::Role::User:
            md += QStringLiteral("## User — %1\n\n%2\n\n").arg(when, m.content);
            break;
        case core::Role::System:
            md += QStringLiteral("## System — %1\n\n%2\n\n").arg(when, m.content);
            break;
        case core::Role::Assistant:
            md += QStringLiteral("## Assistant — %1\n\n").arg(when);
            if (!m.content.isEmpty())
                md += m.content + QStringLiteral("\n\n");
            for (const core::ToolCall &call : m.toolCalls) {
                md += QStringLiteral("Tool call `%1` (`%2`):\n\n```json\n%3\n```\n\n")
                          .arg(call.name, call.id, call.arguments);
            }
            break;
        case core::Role::Tool:
            md +=
                QStringLiteral("### Tool result `%1` (`%2`) — %3\n\n```json\n%4\n```\n\n")
                    .arg(m.metadata.value(QStringLiteral("tool")).toString(), m.toolCallId, when, m.content);
            break;
        }
    }
    return md.toUtf8();
}

} // namespace agency::service
