#include "commands.h"
#include "runtime/backend.h"
#include "signalhandler.h"

#ifdef AGENCY_HAVE_UI
#include "consolesettingsstore.h"
#include "secretvault.h"
#include "settingsreloader.h"
#include "ui/mainwindow.h"
#include "ui/screenshotdriver.h"

#include <QApplication>
#include <QEventLoop>
#include <QSettings>
#include <QTimer>
#endif

namespace agency::app {

#ifdef AGENCY_HAVE_UI
namespace {
/// Reads the keychain before the backend is built (its keys configure the providers). A keychain
/// that does not answer within a few seconds counts as absent: the console must start.
void loadStore(ConsoleSettingsStore &store)
{
    QEventLoop loop;
    bool done = false;
    store.load([&loop, &done] {
        done = true;
        loop.quit();
    });
    if (!done) {
        QTimer::singleShot(5000, &loop, &QEventLoop::quit);
        loop.exec();
    }
}

/// Keys from the keychain stand where the config file stands: the environment, `.env` and the
/// command line still win. A value the settings refuse is a configuration error like any other.
core::Result<runtime::RuntimeConfig> withKeychainSecrets(const config::Settings &settings,
                                                         const QHash<QString, QString> &secrets)
{
    auto layered = withSavedValues(settings, secrets);
    if (!layered)
        return layered.error();
    return runtime::RuntimeConfig::fromSettings(layered.value());
}
} // namespace
#endif

int runConsole(CliContext &ctx, int &argc, char **argv)
{
#ifdef AGENCY_HAVE_UI
    const bool hasDisplay = !qEnvironmentVariableIsEmpty("DISPLAY") ||
                            !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
                            !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
    if (!hasDisplay) {
        printErr(QStringLiteral(
            "aiagency: no display for the desktop console; use `aiagency serve` for the headless "
            "server (see --help)\n"));
        return ExitUsage;
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("aiagency"));
    QApplication::setApplicationDisplayName(QStringLiteral("Agency Console"));
    QtKeychainVault vault;
    ConsoleSettingsStore store(ctx.configFilePath, &vault);
    loadStore(store);
    auto config = withKeychainSecrets(ctx.settings, store.keychainSecrets());
    if (!config)
        return reportError(config.error());
    auto backend = runtime::Backend::create(config.value());
    if (!backend)
        return reportError(backend.error());
    // Saved provider settings apply at once (Settings → Save).
    installSettingsReloader(*backend.value(), ctx.settings, store);
    // Window layout only; product settings live in the config file (see Settings).
    QSettings layout(QStringLiteral("aiagency"), QStringLiteral("console"));
    ui::MainWindow window(backend.value()->service(), layout, &store);
    // `./dev screenshot`: AGENCY_SCREENSHOT=out.png runs AGENCY_SCREENSHOT_PROMPTS ("|"-separated)
    // through the real window, saves it and quits.
    std::unique_ptr<ui::ScreenshotDriver> screenshot;
    int screenshotCode = 0;
    if (const QString out = qEnvironmentVariable("AGENCY_SCREENSHOT"); !out.isEmpty()) {
        // AGENCY_SCREENSHOT_SIZE=WIDTHxHEIGHT checks the layout at other sizes (default 1360x820).
        const QStringList size = qEnvironmentVariable("AGENCY_SCREENSHOT_SIZE").split(QLatin1Char('x'));
        const int width = size.size() == 2 ? size.at(0).toInt() : 0;
        const int height = size.size() == 2 ? size.at(1).toInt() : 0;
        window.resize(width > 0 ? width : 1360, height > 0 ? height : 820);
        screenshot = std::make_unique<ui::ScreenshotDriver>(
            window,
            qEnvironmentVariable("AGENCY_SCREENSHOT_PROMPTS").split(QLatin1Char('|'), Qt::SkipEmptyParts),
            out);
        QObject::connect(screenshot.get(), &ui::ScreenshotDriver::finished, &window,
                         [&window, &screenshotCode](const QString &error) {
                             if (!error.isEmpty()) {
                                 printErr(QStringLiteral("aiagency: screenshot: %1\n").arg(error));
                                 screenshotCode = 1;
                             }
                             window.close();
                         });
    }
    window.show();
    runtime::Backend *b = backend.value().get();
    b->startRunWorkers();
    b->startPlannerStatistics();
    b->startChangeListener();
    // Running runs go back to the queue before the database is stopped.
    auto shutdown = [b, &window] { b->stopRunWorkers().then(&window, [] { QApplication::quit(); }); };
    handleStopSignals(&window, [shutdown](int) { shutdown(); });
    QApplication::setQuitOnLastWindowClosed(false);
    QObject::connect(&app, &QApplication::lastWindowClosed, &window, shutdown);
    const int code = QApplication::exec();
    restoreDefaultSignals();
    return code != 0 ? code : screenshotCode;
#else
    Q_UNUSED(ctx);
    Q_UNUSED(argc);
    Q_UNUSED(argv);
    printErr(QStringLiteral(
        "aiagency: built without the desktop console (AGENCY_BUILD_UI=OFF); use `aiagency serve`\n"));
    return ExitUsage;
#endif
}

} // namespace agency::app
