#include "statusbar.h"
#include "core/async/whenfinished.h"

#include <QLabel>
#include <QLocale>

namespace agency::ui {

StatusPanel::StatusPanel(service::AgencyService &service, QWidget *parent)
    : QStatusBar(parent), m_service(service), m_database(new QLabel(this)), m_provider(new QLabel(this)),
      m_budget(new QLabel(this))
{
    m_database->setObjectName(QStringLiteral("statusDatabase"));
    m_provider->setObjectName(QStringLiteral("statusProvider"));
    m_budget->setObjectName(QStringLiteral("statusBudget"));
    addPermanentWidget(m_database);
    addPermanentWidget(m_provider);
    addPermanentWidget(m_budget);
    m_database->setText(QStringLiteral("Database: connecting…"));
    m_timer.setInterval(10'000);
    connect(&m_timer, &QTimer::timeout, this, &StatusPanel::refresh);
    m_timer.start();
}

void StatusPanel::setTenant(const QString &tenantId)
{
    m_tenantId = tenantId;
    refreshBudget();
}

QString StatusPanel::databaseText() const
{
    return m_database->text();
}
QString StatusPanel::providerText() const
{
    return m_provider->text();
}
QString StatusPanel::budgetText() const
{
    return m_budget->text();
}

void StatusPanel::refresh()
{
    core::whenFinished(this, m_service.health(), [this](const core::Result<service::Health> &health) {
        if (!health) {
            m_database->setStyleSheet(QStringLiteral("color: #d14343"));
            m_database->setText(QStringLiteral("Database: unreachable"));
            m_database->setToolTip(health.error().message);
            return;
        }
        m_health = health.value();
        const bool embedded = m_health.database.startsWith(QStringLiteral("embedded"), Qt::CaseInsensitive);
        m_database->setStyleSheet(m_health.databaseOk ? QString() : QStringLiteral("color: #d14343"));
        m_database->setText(
            QStringLiteral("Database: %1, %2")
                .arg(embedded ? QStringLiteral("embedded") : QStringLiteral("external"),
                     m_health.databaseOk ? QStringLiteral("reachable") : QStringLiteral("unreachable")));
        m_database->setToolTip(m_health.databaseOk ? m_health.database : m_health.databaseError);
        QString model;
        for (const ProviderInfo &p : m_health.providers) {
            if (p.name == m_health.defaultProvider)
                model = p.defaultModel;
        }
        QString text = m_health.routing.defaultRoute.isEmpty()
                           ? QStringLiteral("Provider: %1 · %2").arg(m_health.defaultProvider, model)
                           : QStringLiteral("Route: %1").arg(m_health.routing.defaultRoute);
        // Breakers are this process's: a target skipped for its failures shows here until it closes.
        QStringList tripped;
        for (const core::BreakerStatus &breaker : m_health.routing.breakers) {
            if (breaker.state != QLatin1String("closed"))
                tripped.append(
                    QStringLiteral("%1:%2 %3")
                        .arg(breaker.provider, breaker.model, QString(breaker.state).replace(u'_', u'-')));
        }
        if (!tripped.isEmpty())
            text += QStringLiteral(" · breaker ") + tripped.join(QStringLiteral(", "));
        m_provider->setStyleSheet(tripped.isEmpty() ? QString() : QStringLiteral("color: #d14343"));
        m_provider->setText(text);
        Q_EMIT healthChanged();
        refreshBudget();
    });
}

void StatusPanel::refreshBudget()
{
    if (m_tenantId.isEmpty() || m_health.defaultProvider.isEmpty()) {
        m_budget->clear();
        return;
    }
    const QString tenant = m_tenantId;
    core::whenFinished(
        this, m_service.rateLimitStatus(tenant, m_health.defaultProvider),
        [this, tenant](const core::Result<LimitStatus> &status) {
            if (tenant != m_tenantId)
                return;
            if (!status) {
                m_budget->setText(QStringLiteral("Budget: unknown"));
                m_budget->setToolTip(status.error().message);
                return;
            }
            const auto &minute = status->minute;
            const auto &hour = status->hour;
            if (minute.unlimited() && hour.unlimited()) {
                m_budget->setText(QStringLiteral("Budget: unlimited"));
                return;
            }
            QStringList parts;
            if (!minute.unlimited())
                parts.append(
                    QStringLiteral("%1 / %2 per min")
                        .arg(QLocale().toString(minute.remaining), QLocale().toString(minute.limit)));
            if (!hour.unlimited())
                parts.append(QStringLiteral("%1 / %2 per h")
                                 .arg(QLocale().toString(hour.remaining), QLocale().toString(hour.limit)));
            m_budget->setText(QStringLiteral("Budget: ") + parts.join(QStringLiteral(" · ")));
        });
}

} // namespace agency::ui
