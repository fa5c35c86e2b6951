#pragma once

#include "servicetypes.h"

#include <QDialog>

#include <utility>

class QTableWidget;
class QLabel;

QT_BEGIN_NAMESPACE
class QChartView;
class QStackedBarSeries;
QT_END_NAMESPACE

namespace agency::ui {

/// The tenant's usage: tokens per day stacked by provider (Qt Charts) over the last `days` days,
/// the same numbers with their cost in dollars as a table, the period's total cost, and the current
/// rate-limit state per provider (limit, remaining, time to reset, per minute and per hour). Everything is
/// read through AgencyService.
class UsageDialog : public QDialog
{
    Q_OBJECT

public:
    UsageDialog(service::AgencyService &service, const QString &tenantId, const QStringList &providers,
                int days = 14, QWidget *parent = nullptr);

    QStackedBarSeries *series() const { return m_series; }
    QTableWidget *usageTable() const { return m_usage; }
    QTableWidget *limitTable() const { return m_limits; }
    QChartView *chartView() const { return m_chart; }

    /// The y axis's top and step for a peak of `peak` tokens: round numbers (1, 2, 2.5 or 5 times
    /// a power of ten) with four or five steps up to at least the peak.
    static std::pair<qreal, qreal> niceScale(qreal peak);
    QLabel *costLabel() const { return m_cost; }

Q_SIGNALS:
    void usageLoaded();
    void limitsLoaded();

protected:
    void changeEvent(QEvent *event) override;

private:
    void loadUsage();
    void loadLimits();
    void showUsage(const QList<UsageSummaryRow> &rows);
    /// The chart in the window's colours (a dark scheme gets a dark chart).
    void followPalette();

    service::AgencyService &m_service;
    QString m_tenantId;
    QStringList m_providers;
    int m_days;
    QChartView *m_chart;
    QStackedBarSeries *m_series;
    QTableWidget *m_usage;
    QTableWidget *m_limits;
    QLabel *m_cost;
    QLabel *m_status;
};

} // namespace agency::ui
