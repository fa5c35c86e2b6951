#pragma once

#include "servicetypes.h"

#include <QFrame>
#include <QUuid>

class QLabel;
class QVBoxLayout;

namespace agency::ui {

/// Above the thread while tool calls of the conversation's last answer wait for a person
/// (docs/console.md): each call with exactly the arguments it would be sent with, an Approve and a
/// Reject button (with an optional reason). A decision runs (or refuses) the call; the
/// conversation's turn then continues in the service, and decided() tells the window to show it.
class ApprovalPanel : public QFrame
{
    Q_OBJECT

public:
    ApprovalPanel(service::AgencyService &service, QWidget *parent = nullptr);

    /// Asks the service for the conversation's pending calls and shows them (hidden when none;
    /// a null conversation hides the panel).
    void showFor(const QString &tenantId, const QUuid &conversationId);
    /// Shows these calls (a turn that just paused) without asking.
    void showApprovals(const QString &tenantId, const QUuid &conversationId,
                       const QList<core::ToolApproval> &approvals);
    /// True while a decision is being carried out (the tool and the continued turn).
    bool isDeciding() const { return m_deciding; }

Q_SIGNALS:
    /// A call of `conversationId` was decided and whatever followed is stored (`error` empty), or
    /// the decision (or the turn after it) failed with `error`.
    void decided(const QString &tenantId, const QUuid &conversationId, const QString &error);

private:
    void rebuild();
    void decide(const core::ToolApproval &approval, bool approve, const QString &reason);

    service::AgencyService &m_service;
    QString m_tenantId;
    QUuid m_conversationId;
    QList<core::ToolApproval> m_approvals;
    QVBoxLayout *m_rows = nullptr;
    QLabel *m_status = nullptr;
    bool m_deciding = false;
    int m_generation = 0; ///< a showFor() answer for an older request is ignored
};

} // namespace agency::ui
