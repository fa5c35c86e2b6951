// make_test_pdf PATH [PAGES]: writes a PDF of PAGES (default 400) pages of generated prose with a
// real text layer, for the ingestion benchmark.

#include "testdocuments.h"

#include <QFile>
#include <QGuiApplication>
#include <QTextStream>

int main(int argc, char *argv[])
{
    // Painting text needs a QGuiApplication, not a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QGuiApplication app(argc, argv);
    const QStringList args = app.arguments();
    QTextStream err(stderr);
    bool ok = true;
    const int pages = args.size() > 2 ? args[2].toInt(&ok) : 400;
    if (args.size() < 2 || args.size() > 3 || !ok || pages < 1) {
        err << "usage: make_test_pdf PATH [PAGES]\n";
        return 2;
    }
    QFile file(args[1]);
    const QByteArray pdf = agency::test::makePdf(agency::test::generatedPages(pages),
                                                 QStringLiteral("Generated %1-page report").arg(pages));
    if (!file.open(QIODevice::WriteOnly) || file.write(pdf) != pdf.size()) {
        err << "make_test_pdf: cannot write " << args[1] << ": " << file.errorString() << "\n";
        return 1;
    }
    return 0;
}
