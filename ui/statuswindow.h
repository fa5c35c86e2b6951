#pragma once

#include <QMainWindow>

class QLabel;

namespace agency::service {
class AgencyService;
}

namespace agency::ui {

/// The first window of the desktop console: database and provider status and the available
/// flows, read through AgencyService. The conversation browser and chat view replace it in the
/// desktop-console work; until then it points users at `aiagency chat`.
class StatusWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit StatusWindow(service::AgencyService &service, QWidget *parent = nullptr);

private:
    void refresh();

    service::AgencyService &m_service;
    QLabel *m_body;
};

} // namespace agency::ui
