#pragma once

#include <QObject>
#include <QStringList>

namespace agency::ui {

class MainWindow;

/// Drives the real window for `./dev screenshot`: once it is ready, sends each prompt as a user
/// would (waiting for every reply), lets the layout settle, saves the window to `outputPath`
/// and closes it. Emits finished() with a readable error, empty on success.
class ScreenshotDriver : public QObject
{
    Q_OBJECT

public:
    ScreenshotDriver(MainWindow &window, QStringList prompts, QString outputPath, QObject *parent = nullptr);

Q_SIGNALS:
    void finished(const QString &error);

private:
    void sendNext();
    void capture();

    MainWindow &m_window;
    QStringList m_prompts;
    QString m_outputPath;
};

} // namespace agency::ui
