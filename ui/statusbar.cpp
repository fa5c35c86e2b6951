#include "statusbar.h"
#include "core/async/whenfinished.h"

#include <QLabel>
#include <QLocale>

namespace agency::ui {

StatusPanel::StatusPanel(service::AgencyService &service, QWidget *parent)
    : QStatusBar(parent), m_service(service), m_database(new QLabel(this)), m_provider(new QLabel(this)),
      m_budget(new QLabel(this)), m_message(new QLabel(this))
{
    m_message->setObjectName(QStringLiteral("statusMessage"));
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Ignored: however long, a message wraps in the width left to it instead of widening the
    // window (the status bar follows its height for that width).
    m_message->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_message->hide();
    addWidget(m_message, 1);
    m_messageTimer.setSingleShot(true);
    connect(&m_messageTimer, &QTimer::timeout, this, &StatusPanel::clearMessage);
    m_database->setObjectName(QStringLiteral("statusDatabase"));
    m_provider->setObjectName(QStringLiteral("statusProvider"));
    m_budget->setObjectName(QStringLiteral("statusBudget"));
    addPermanentWidget(m_database);
    addPermanentWidget(m_provider);
    addPermanentWidget(m_budget);
    m_database->setText(QStringLiteral("Database: connecting…"));
    m_timer.setInterval(kProbeMs);
    connect(&m_timer, &QTimer::timeout, this, &StatusPanel::refresh);
    m_timer.start();
    m_silenceTick.setInterval(1000);
    connect(&m_silenceTick, &QTimer::timeout, this, &StatusPanel::showSilence);
}

void StatusPanel::setTenant(const QString &tenantId)
{
    m_tenantId = tenantId;
    refreshBudget();
}

void StatusPanel::showMessage(const QString &text, int timeoutMs)
{
    m_message->setText(text);
    m_message->setToolTip(text);
    m_message->setVisible(!text.isEmpty());
    if (timeoutMs > 0 && !text.isEmpty())
        m_messageTimer.start(timeoutMs);
    else
        m_messageTimer.stop();
}

void StatusPanel::clearMessage()
{
    showMessage({});
}

QString StatusPanel::currentMessage() const
{
    return m_message->text();
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
    // One probe at a time: a frozen database is not sent a pile of them, and its silence is
    // measured from the first.
    if (m_probing.isValid()) {
        m_probeAgain = true;
        return;
    }
    m_probing.start();
    m_silenceTick.start();
    core::whenFinished(
        this, m_service.health(), [this](const core::Result<service::Health> &health) { onHealth(health); },
        [this] {
            m_probing.invalidate();
            m_silenceTick.stop();
        });
}

void StatusPanel::setAnswering(bool answering)
{
    const bool back = answering && !m_answering;
    m_answering = answering;
    m_timer.setInterval(answering ? kProbeMs : kProbeWhileDownMs);
    if (back) {
        m_sinceBack.start();
        Q_EMIT databaseBack();
    }
}

void StatusPanel::databaseFailed()
{
    // The outage may be over before a probe sees it: the failed read is proof enough. Not again
    // within kProbeMs of the last return, so a read that keeps failing while the probes pass is
    // not retried in a loop.
    if (m_answering && (!m_sinceBack.isValid() || m_sinceBack.elapsed() > kProbeMs))
        setAnswering(false);
    refresh();
}

void StatusPanel::showSilence()
{
    if (!m_probing.isValid() || m_probing.elapsed() < kSlowProbeMs)
        return;
    const qint64 seconds = m_probing.elapsed() / 1000;
    m_database->setStyleSheet(QStringLiteral("color: #d14343"));
    m_database->setText(QStringLiteral("Database: not answering for %1 s").arg(seconds));
    m_database->setToolTip(QStringLiteral("A health check has had no answer for %1 s: the database server or "
                                          "the network to it is stalled. This shows its state as soon as "
                                          "it answers.")
                               .arg(seconds));
    if (m_answering)
        setAnswering(false);
}

void StatusPanel::onHealth(const core::Result<service::Health> &health)
{
    m_probing.invalidate();
    m_silenceTick.stop();
    if (m_probeAgain) {
        m_probeAgain = false;
        QMetaObject::invokeMethod(this, &StatusPanel::refresh, Qt::QueuedConnection);
    }
    if (!health) {
        m_database->setStyleSheet(QStringLiteral("color: #d14343"));
        m_database->setText(QStringLiteral("Database: unreachable"));
        m_database->setToolTip(health.error().message);
        setAnswering(false);
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
    setAnswering(m_health.databaseOk);
    refreshBudget();
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
