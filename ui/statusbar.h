#pragma once

#include "servicetypes.h"

#include <QElapsedTimer>
#include <QStatusBar>
#include <QTimer>

class QLabel;

namespace agency::ui {

/// The status bar: the database (embedded or external, reachable or not), the active provider and
/// model, and the selected tenant's remaining token budget. Refreshes through AgencyService
/// every few seconds and after each turn. Messages (results, errors) are shown whole, wrapped
/// onto more lines left of those fields, never widening the window.
/// every few seconds (more often while the database is down) and after each turn. A health probe
/// unanswered for kSlowProbeMs shows "not answering for N s" (a frozen server or network), counted
/// up until it answers.
class StatusPanel : public QStatusBar
{
    Q_OBJECT

public:
    explicit StatusPanel(service::AgencyService &service, QWidget *parent = nullptr);

    static constexpr int kSlowProbeMs = 3000;
    static constexpr int kProbeMs = 10'000;
    static constexpr int kProbeWhileDownMs = 2000;

    void setTenant(const QString &tenantId);
    /// Shows `text` for `timeoutMs` (0: until replaced). Hides QStatusBar::showMessage, which
    /// paints one line cut off where the permanent fields begin.
    void showMessage(const QString &text, int timeoutMs = 0);
    void clearMessage();
    QString currentMessage() const;
    QLabel *messageLabel() const { return m_message; }
    void refresh();
    /// A read could not reach the database: it counts as down until a probe (made now, then every
    /// kProbeWhileDownMs) answers, and databaseBack() follows, at most once per kProbeMs.
    void databaseFailed();
    /// The last health answer (empty provider until the first one arrives).
    const service::Health &health() const { return m_health; }
    QString databaseText() const;
    /// The last probe answered and the database was reachable (false while one goes unanswered
    /// longer than kSlowProbeMs).
    bool databaseAnswering() const { return m_answering; }
    QString providerText() const;
    QString budgetText() const;

Q_SIGNALS:
    void healthChanged();
    /// The database answers again after being unreachable or not answering.
    void databaseBack();

private:
    void refreshBudget();
    void onHealth(const core::Result<service::Health> &health);
    /// Shows how long the pending probe has gone unanswered, once that is over kSlowProbeMs.
    void showSilence();
    void setAnswering(bool answering);

    service::AgencyService &m_service;
    QLabel *m_database;
    QLabel *m_provider;
    QLabel *m_budget;
    QLabel *m_message;
    QTimer m_timer;
    QTimer m_messageTimer;
    QTimer m_silenceTick;    ///< every second while a probe is pending
    QElapsedTimer m_probing; ///< valid while a probe is pending
    bool m_probeAgain = false;
    bool m_answering = true;
    QElapsedTimer m_sinceBack; ///< since databaseBack() was last emitted
    QString m_tenantId;
    service::Health m_health;
};

} // namespace agency::ui
