#include "approvalpanel.h"

#include "core/async/whenfinished.h"
#include "errortext.h"

#include <QHBoxLayout>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace agency::ui {

ApprovalPanel::ApprovalPanel(service::AgencyService &service, QWidget *parent)
    : QFrame(parent), m_service(service)
{
    setObjectName(QStringLiteral("approvalPanel"));
    setFrameShape(QFrame::StyledPanel);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    m_rows = new QVBoxLayout;
    layout->addLayout(m_rows);
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("approvalStatus"));
    m_status->setWordWrap(true);
    m_status->hide();
    layout->addWidget(m_status);
    hide();
}

void ApprovalPanel::showFor(const QString &tenantId, const QUuid &conversationId)
{
    const int generation = ++m_generation;
    if (conversationId.isNull() || tenantId.isEmpty()) {
        showApprovals(tenantId, conversationId, {});
        return;
    }
    core::whenFinished(
        this,
        m_service.listApprovals(tenantId, QStringLiteral("pending"),
                                conversationId.toString(QUuid::WithoutBraces)),
        [this, generation, tenantId, conversationId](const core::Result<QList<core::ToolApproval>> &r) {
            if (generation != m_generation)
                return;
            showApprovals(tenantId, conversationId, r ? r.value() : QList<core::ToolApproval>{});
        });
}

void ApprovalPanel::showApprovals(const QString &tenantId, const QUuid &conversationId,
                                  const QList<core::ToolApproval> &approvals)
{
    m_tenantId = tenantId;
    m_conversationId = conversationId;
    m_approvals = approvals;
    m_status->hide();
    rebuild();
}

void ApprovalPanel::rebuild()
{
    while (QLayoutItem *item = m_rows->takeAt(0)) {
        if (QWidget *w = item->widget())
            w->deleteLater();
        delete item;
    }
    setVisible(!m_approvals.isEmpty());
    for (const core::ToolApproval &approval : std::as_const(m_approvals)) {
        auto *row = new QWidget(this);
        row->setObjectName(QStringLiteral("approval-") + approval.approvalId.toString(QUuid::WithoutBraces));
        auto *layout = new QVBoxLayout(row);
        layout->setContentsMargins(0, 0, 0, 0);
        auto *title =
            new QLabel(tr("The agent wants to run <b>%1</b> with exactly these arguments (nothing is "
                          "sent until you approve):")
                           .arg(approval.toolName.toHtmlEscaped()),
                       row);
        title->setWordWrap(true);
        layout->addWidget(title);
        auto *arguments = new QPlainTextEdit(row);
        arguments->setObjectName(QStringLiteral("approvalArguments"));
        arguments->setReadOnly(true);
        arguments->setPlainText(
            QString::fromUtf8(QJsonDocument(approval.arguments).toJson(QJsonDocument::Indented)));
        arguments->setMaximumHeight(120);
        layout->addWidget(arguments);
        auto *buttons = new QHBoxLayout;
        auto *reason = new QLineEdit(row);
        reason->setObjectName(QStringLiteral("rejectReason"));
        reason->setPlaceholderText(tr("Reason for rejecting (optional, the agent is told)"));
        auto *approve = new QPushButton(tr("Approve"), row);
        approve->setObjectName(QStringLiteral("approveButton"));
        auto *reject = new QPushButton(tr("Reject"), row);
        reject->setObjectName(QStringLiteral("rejectButton"));
        buttons->addWidget(reason, 1);
        buttons->addWidget(approve);
        buttons->addWidget(reject);
        layout->addLayout(buttons);
        connect(approve, &QPushButton::clicked, this, [this, approval] { decide(approval, true, {}); });
        connect(reject, &QPushButton::clicked, this,
                [this, approval, reason] { decide(approval, false, reason->text()); });
        m_rows->addWidget(row);
    }
}

void ApprovalPanel::decide(const core::ToolApproval &approval, bool approve, const QString &reason)
{
    if (m_deciding)
        return;
    m_deciding = true;
    for (QPushButton *button : findChildren<QPushButton *>())
        button->setEnabled(false);
    m_status->setText(approve ? tr("Running %1, then the agent continues…").arg(approval.toolName)
                              : tr("Rejected; the agent continues…"));
    m_status->show();
    core::AuditEntry actor;
    actor.actorName = QStringLiteral("console");
    const QString id = approval.approvalId.toString(QUuid::WithoutBraces);
    auto outcome = approve ? m_service.approveToolCall(approval.tenantId, id, actor)
                           : m_service.rejectToolCall(approval.tenantId, id, reason, actor);
    const QString tenantId = approval.tenantId;
    const QUuid conversationId = approval.conversationId;
    core::whenFinished(this, outcome,
                       [this, tenantId, conversationId](const core::Result<core::ApprovalOutcome> &r) {
                           m_deciding = false;
                           QString error;
                           if (!r)
                               error = readableError(r.error());
                           else if (r->turnError)
                               error = readableError(*r->turnError);
                           if (r && r->turn && !r->turn->approvals.isEmpty())
                               showApprovals(tenantId, conversationId, r->turn->approvals); // it paused again
                           else
                               showFor(tenantId, conversationId); // other calls of the answer may still wait
                           if (!error.isEmpty()) {
                               m_status->setText(error);
                               m_status->show();
                               show();
                           }
                           Q_EMIT decided(tenantId, conversationId, error);
                       });
}

} // namespace agency::ui
