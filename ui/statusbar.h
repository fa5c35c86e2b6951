#pragma once

#include "servicetypes.h"

#include <QStatusBar>
#include <QTimer>

class QLabel;

namespace agency::ui {

/// The status bar: the database (embedded or external, reachable or not), the active provider and
/// model, and the selected tenant's remaining token budget. Refreshes through AgencyService
/// every few seconds and after each turn. Messages (results, errors) are shown whole, wrapped
/// onto more lines left of those fields, never widening the window.
class StatusPanel : public QStatusBar
{
    Q_OBJECT

public:
    explicit StatusPanel(service::AgencyService &service, QWidget *parent = nullptr);

    void setTenant(const QString &tenantId);
    /// Shows `text` for `timeoutMs` (0: until replaced). Hides QStatusBar::showMessage, which
    /// paints one line cut off where the permanent fields begin.
    void showMessage(const QString &text, int timeoutMs = 0);
    void clearMessage();
    QString currentMessage() const;
    QLabel *messageLabel() const { return m_message; }
    void refresh();
    /// The last health answer (empty provider until the first one arrives).
    const service::Health &health() const { return m_health; }
    QString databaseText() const;
    QString providerText() const;
    QString budgetText() const;

Q_SIGNALS:
    void healthChanged();

private:
    void refreshBudget();

    service::AgencyService &m_service;
    QLabel *m_database;
    QLabel *m_provider;
    QLabel *m_budget;
    QLabel *m_message;
    QTimer m_timer;
    QTimer m_messageTimer;
    QString m_tenantId;
    service::Health m_health;
};

} // namespace agency::ui
