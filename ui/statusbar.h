#pragma once

#include "servicetypes.h"

#include <QStatusBar>
#include <QTimer>

class QLabel;

namespace agency::ui {

/// The status bar: the database (embedded or external, reachable or not), the active provider and
/// model, and the selected tenant's remaining token budget. Refreshes through AgencyService
/// every few seconds and after each turn.
class StatusPanel : public QStatusBar
{
    Q_OBJECT

public:
    explicit StatusPanel(service::AgencyService &service, QWidget *parent = nullptr);

    void setTenant(const QString &tenantId);
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
    QTimer m_timer;
    QString m_tenantId;
    service::Health m_health;
};

} // namespace agency::ui
