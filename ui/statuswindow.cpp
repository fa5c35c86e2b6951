#include "statuswindow.h"

#include "service/agencyservice.h"

#include <QLabel>
#include <QScrollArea>
#include <QStatusBar>
#include <QTimer>

namespace agency::ui {

StatusWindow::StatusWindow(service::AgencyService &service, QWidget *parent)
    : QMainWindow(parent), m_service(service), m_body(new QLabel(this))
{
    setWindowTitle(QStringLiteral("Agency Console"));
    m_body->setTextFormat(Qt::RichText);
    m_body->setWordWrap(true);
    m_body->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_body->setMargin(16);
    m_body->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_body);
    scroll->setWidgetResizable(true);
    setCentralWidget(scroll);
    resize(720, 520);
    auto *timer = new QTimer(this);
    connect(timer, &QTimer::timeout, this, &StatusWindow::refresh);
    timer->start(5000);
    refresh();
}

void StatusWindow::refresh()
{
    m_service.health().then(this, [this](const core::Result<service::Health> &health) {
        QString html = QStringLiteral("<h2>Agency Console</h2>");
        if (health && health->databaseOk) {
            html += QStringLiteral("<p><b>Database:</b> %1 — connected</p>")
                        .arg(health->database.toHtmlEscaped());
            statusBar()->showMessage(QStringLiteral("Database: %1").arg(health->database));
        } else {
            const QString why = health ? health->databaseError : health.error().message;
            html += QStringLiteral("<p><b>Database:</b> <span style='color:#b00'>unavailable</span> — %1</p>")
                        .arg(why.toHtmlEscaped());
            statusBar()->showMessage(QStringLiteral("Database unavailable"));
        }
        if (health) {
            html += QStringLiteral("<p><b>Providers</b> (default: %1)</p><ul>").arg(health->defaultProvider);
            for (const auto &p : health->providers) {
                html +=
                    QStringLiteral("<li>%1 — %2, model %3</li>")
                        .arg(p.displayName.toHtmlEscaped(),
                             p.configured ? QStringLiteral("configured")
                                          : QStringLiteral("set %1").arg(p.missingSetting.toHtmlEscaped()),
                             p.defaultModel.toHtmlEscaped());
            }
            html += QStringLiteral("</ul>");
        }
        html += QStringLiteral("<p><b>Flows</b></p><ul>");
        for (const auto &flow : m_service.flows()) {
            html += QStringLiteral("<li><b>%1</b> (<code>%2</code>) — %3</li>")
                        .arg(flow.title.toHtmlEscaped(), flow.flowType, flow.description.toHtmlEscaped());
        }
        html += QStringLiteral(
            "</ul><p>The conversation browser and chat view are being built. Meanwhile chat from a "
            "terminal: <code>aiagency chat --tenant acme --flow weather \"What's the weather in "
            "Paris?\"</code></p>");
        m_body->setText(html);
    });
}

} // namespace agency::ui
