#include "screenshotdriver.h"

#include "chatbox.h"
#include "chatsession.h"
#include "mainwindow.h"

#include <QPixmap>
#include <QTimer>

namespace agency::ui {

ScreenshotDriver::ScreenshotDriver(MainWindow &window, QStringList prompts, QString outputPath,
                                   QObject *parent)
    : QObject(parent), m_window(window), m_prompts(std::move(prompts)), m_outputPath(std::move(outputPath))
{
    connect(&m_window, &MainWindow::ready, this, &ScreenshotDriver::sendNext, Qt::QueuedConnection);
    connect(m_window.chatSession(), &ChatSession::turnFinished, this, &ScreenshotDriver::sendNext,
            Qt::QueuedConnection);
}

void ScreenshotDriver::sendNext()
{
    if (m_prompts.isEmpty()) {
        // The list and the status bar refresh after the last turn: give them a moment.
        QTimer::singleShot(1500, this, &ScreenshotDriver::capture);
        return;
    }
    m_window.chatBox()->setText(m_prompts.takeFirst());
    Q_EMIT m_window.chatBox()->sendRequested();
}

void ScreenshotDriver::capture()
{
    const QPixmap shot = m_window.grab();
    Q_EMIT finished(shot.save(m_outputPath) ? QString()
                                            : QStringLiteral("could not write %1").arg(m_outputPath));
}

} // namespace agency::ui
