#include "usagedialog.h"

#include "core/async/whenfinished.h"
#include "errortext.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QScreen>
#include <QSplitter>
#include <QStackedBarSeries>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QValueAxis>

#include <cmath>
#include <map>

namespace agency::ui {

namespace {

QTableWidget *makeTable(const QStringList &headers, QWidget *parent)
{
    auto *table = new QTableWidget(0, static_cast<int>(headers.size()), parent);
    table->setHorizontalHeaderLabels(headers);
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setSelectionBehavior(QAbstractItemView::SelectRows);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    return table;
}

void setRow(QTableWidget *table, int row, const QStringList &cells)
{
    for (int c = 0; c < cells.size(); ++c) {
        auto *item = new QTableWidgetItem(cells.at(c));
        if (c > 0)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        table->setItem(row, c, item);
    }
}

QString windowText(const WindowStatus &w)
{
    if (w.unlimited())
        return QStringLiteral("unlimited");
    return QStringLiteral("%1 of %2 left, full in %3 s")
        .arg(QLocale().toString(w.remaining), QLocale().toString(w.limit))
        .arg((w.resetMs + 999) / 1000);
}

QString moneyText(double usd)
{
    return QStringLiteral("$") + QLocale().toString(usd, 'f', 4);
}

} // namespace

UsageDialog::UsageDialog(service::AgencyService &service, const QString &tenantId,
                         const QStringList &providers, int days, QWidget *parent)
    : QDialog(parent), m_service(service), m_tenantId(tenantId), m_providers(providers), m_days(days),
      m_chart(new QChartView(this)), m_series(new QStackedBarSeries(this)),
      m_usage(makeTable({QStringLiteral("Day"), QStringLiteral("Provider"), QStringLiteral("Calls"),
                         QStringLiteral("Errors"), QStringLiteral("Prompt"), QStringLiteral("Completion"),
                         QStringLiteral("Total"), QStringLiteral("Cost (USD)")},
                        this)),
      m_limits(makeTable(
          {QStringLiteral("Provider"), QStringLiteral("Per minute"), QStringLiteral("Per hour")}, this)),
      m_cost(new QLabel(this)), m_status(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Usage — %1").arg(tenantId));
    // Never larger than the screen (a 1024×700 one included), the window frame allowed for.
    const QWidget *anchor = parent ? parent : this;
    resize(QSize(1000, 680).boundedTo(anchor->screen()->availableGeometry().size() - QSize(40, 60)));
    auto *chart = new QChart;
    chart->setTitle(QStringLiteral("Tokens per day, last %1 days").arg(days));
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->addSeries(m_series);
    m_chart->setChart(chart);
    m_chart->setRenderHint(QPainter::Antialiasing);
    m_chart->setMinimumHeight(220);
    followPalette();
    // The chart across the whole dialog (beside the table its 14 days had no room for their
    // labels); the numbers and the rate limits in tabs under it.
    auto *tabs = new QTabWidget(this);
    tabs->addTab(m_usage, QStringLiteral("By day and provider"));
    tabs->addTab(m_limits, QStringLiteral("Rate limits now"));
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_chart);
    split->addWidget(tabs);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setChildrenCollapsible(false);
    split->setSizes({height() * 3 / 5, height() * 2 / 5}); // the tables' size hints would take most
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split, 1);
    m_cost->setObjectName(QStringLiteral("usageCost"));
    layout->addWidget(m_cost);
    layout->addWidget(m_status);
    loadUsage();
    loadLimits();
}

std::pair<qreal, qreal> UsageDialog::niceScale(qreal peak)
{
    if (peak <= 0)
        return {100, 25};
    // The smallest round step that reaches the peak in at most five steps.
    const qreal magnitude = std::pow(10.0, std::floor(std::log10(peak / 5)));
    qreal step = 10 * magnitude;
    for (const qreal m : {1.0, 2.0, 2.5, 5.0}) {
        if (m * magnitude * 5 >= peak) {
            step = m * magnitude;
            break;
        }
    }
    step = std::max<qreal>(step, 1); // whole tokens
    return {std::ceil(peak / step) * step, step};
}

void UsageDialog::followPalette()
{
    const bool dark = palette().color(QPalette::Window).lightness() < 128;
    QChart *chart = m_chart->chart();
    const QChart::ChartTheme theme = dark ? QChart::ChartThemeDark : QChart::ChartThemeLight;
    if (chart->theme() != theme)
        chart->setTheme(theme);
    // The themes' own backgrounds are gradients and fixed greys: use the window's colours.
    chart->setBackgroundBrush(palette().brush(QPalette::Base));
    chart->setTitleBrush(palette().brush(QPalette::Text));
    chart->legend()->setLabelColor(palette().color(QPalette::Text));
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsColor(palette().color(QPalette::Text));
        axis->setTitleBrush(palette().brush(QPalette::Text));
    }
    m_chart->setBackgroundBrush(palette().brush(QPalette::Base));
}

void UsageDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        followPalette();
}

void UsageDialog::loadUsage()
{
    const QDateTime to = QDateTime::currentDateTimeUtc();
    const QDateTime from = to.addDays(-m_days);
    m_status->setText(QStringLiteral("Loading…"));
    core::whenFinished(this, m_service.usageSummary(m_tenantId, from, to),
                       [this](const core::Result<QList<UsageSummaryRow>> &rows) {
                           if (!rows) {
                               m_status->setText(readableError(rows.error()));
                               return;
                           }
                           m_status->clear();
                           showUsage(rows.value());
                           Q_EMIT usageLoaded();
                       });
}

void UsageDialog::showUsage(const QList<UsageSummaryRow> &rows)
{
    // Days on the x axis (every day of the range, so gaps show as gaps), one stacked set per provider.
    // A day's label is its number ("d MMM" fits no slot of a 14-day chart and read "…"); the
    // axis title names the months.
    QStringList categories;
    QList<QDate> daysShown;
    const QDate today = QDate::currentDate();
    for (int i = m_days - 1; i >= 0; --i) {
        daysShown.append(today.addDays(-i));
        categories.append(QString::number(today.addDays(-i).day()));
    }
    std::map<QString, QList<qreal>> byProvider;
    m_usage->setRowCount(static_cast<int>(rows.size()));
    int row = 0;
    double cost = 0;
    qint64 unpriced = 0;
    for (const UsageSummaryRow &r : rows) {
        auto &values = byProvider[r.provider];
        if (values.isEmpty())
            values.fill(0, m_days);
        const qsizetype at = daysShown.indexOf(r.day);
        if (at >= 0)
            values[at] += static_cast<qreal>(r.totalTokens);
        setRow(m_usage, row++,
               {QLocale().toString(r.day, QLocale::ShortFormat), r.provider, QLocale().toString(r.calls),
                QLocale().toString(r.errors), QLocale().toString(r.promptTokens),
                QLocale().toString(r.completionTokens), QLocale().toString(r.totalTokens),
                moneyText(r.costUsd)});
        cost += r.costUsd;
        unpriced += r.unpricedCalls;
    }
    m_cost->setText(
        QStringLiteral("Cost, last %1 days: %2%3")
            .arg(m_days)
            .arg(moneyText(cost), unpriced > 0
                                      ? QStringLiteral(" (%1 calls of models without a price not counted)")
                                            .arg(QLocale().toString(unpriced))
                                      : QString()));
    m_series->clear();
    qreal peak = 0;
    QList<qreal> stacked(m_days, 0);
    for (const auto &[provider, values] : byProvider) {
        auto *set = new QBarSet(provider);
        set->append(values);
        m_series->append(set);
        for (int i = 0; i < m_days; ++i)
            stacked[i] += values.at(i);
    }
    for (qreal v : stacked)
        peak = std::max(peak, v);
    QChart *chart = m_chart->chart();
    for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis);
    auto *x = new QBarCategoryAxis;
    x->append(categories);
    x->setTitleText(
        QStringLiteral("%1 – %2").arg(QLocale().toString(daysShown.first(), QStringLiteral("d MMM")),
                                      QLocale().toString(daysShown.last(), QStringLiteral("d MMM yyyy"))));
    chart->addAxis(x, Qt::AlignBottom);
    m_series->attachAxis(x);
    auto *y = new QValueAxis;
    const auto [top, step] = niceScale(peak);
    y->setRange(0, top);
    y->setTickCount(static_cast<int>(std::lround(top / step)) + 1);
    y->setLabelFormat(QStringLiteral("%.0f"));
    y->setTitleText(QStringLiteral("tokens"));
    chart->addAxis(y, Qt::AlignLeft);
    m_series->attachAxis(y);
    followPalette(); // the new axes' labels
}

void UsageDialog::loadLimits()
{
    m_limits->setRowCount(static_cast<int>(m_providers.size()));
    auto pending = std::make_shared<int>(static_cast<int>(m_providers.size()));
    for (int i = 0; i < m_providers.size(); ++i) {
        const QString provider = m_providers.at(i);
        setRow(m_limits, i, {provider, QStringLiteral("…"), QStringLiteral("…")});
        core::whenFinished(
            this, m_service.rateLimitStatus(m_tenantId, provider),
            [this, i, provider, pending](const core::Result<LimitStatus> &status) {
                if (status)
                    setRow(m_limits, i, {provider, windowText(status->minute), windowText(status->hour)});
                else
                    setRow(m_limits, i, {provider, readableError(status.error()), QString()});
                if (--*pending == 0)
                    Q_EMIT limitsLoaded();
            });
    }
}

} // namespace agency::ui
