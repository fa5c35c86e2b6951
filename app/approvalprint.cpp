#include "approvalprint.h"

#include <QJsonDocument>

namespace agency::app {

QString compactJson(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

QString describeApproval(const core::ToolApproval &a)
{
    QString out;
    auto line = [&out](const char *label, const QString &value) {
        out += QStringLiteral("%1 %2\n").arg(QString(QLatin1String(label) + u':'), -13).arg(value);
    };
    line("approval", a.approvalId.toString(QUuid::WithoutBraces));
    line("status", core::approvalStatusName(a.status));
    line("tool", a.toolName);
    line("arguments", compactJson(a.arguments));
    line("conversation", a.conversationId.isNull() ? QStringLiteral("- (direct call)")
                                                   : a.conversationId.toString(QUuid::WithoutBraces));
    line("created", a.createdAt.toUTC().toString(Qt::ISODate));
    line("expires", a.expiresAt.toUTC().toString(Qt::ISODate));
    if (!a.isPending()) {
        line("decided", a.decidedAt.toUTC().toString(Qt::ISODate) +
                            (a.decidedBy.isEmpty() ? QString() : QStringLiteral(" by ") + a.decidedBy));
    }
    if (!a.reason.isEmpty())
        line("reason", a.reason);
    if (a.result)
        line("result", compactJson(*a.result));
    return out;
}

QString describeContinuation(const core::TurnResult &turn)
{
    if (!turn.approvals.isEmpty()) {
        QString out = QStringLiteral("\nThe conversation waits for approval again:\n");
        for (const core::ToolApproval &a : turn.approvals)
            out +=
                QStringLiteral("  %1 %2 (approval %3)\n")
                    .arg(a.toolName, compactJson(a.arguments), a.approvalId.toString(QUuid::WithoutBraces));
        return out;
    }
    return QStringLiteral("\n%1\n").arg(turn.content);
}

} // namespace agency::app
