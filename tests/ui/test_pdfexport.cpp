// The PDF export typesets every character of a conversation on the page: long lines (a one-line
// tool result, a long URL, a code line) wrap instead of running off the page edge.

#include "ui/pdfexport.h"

#include <QPdfDocument>
#include <QPdfSelection>
#include <QTemporaryDir>
#include <QTest>

class TestPdfExport : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void longLinesWrapAndNothingIsLost();
};

void TestPdfExport::longLinesWrapAndNothingIsLost()
{
    QString json = QStringLiteral("{\"city\":\"Paris\",\"hours\":[");
    for (int i = 0; i < 120; ++i)
        json += QStringLiteral("{\"h\":%1,\"t\":%2.5},").arg(i).arg(i % 30);
    json += QStringLiteral("{\"end\":\"TAILMARK\"}]}");
    const QString longWord =
        QStringLiteral("https://example.com/") + QString(300, QLatin1Char('a')) + QStringLiteral("/WORDEND");
    const QString markdown =
        QStringLiteral("# Export\n\n**Tool result:**\n\n```json\n%1\n```\n\n%2\n\nLast line.\n")
            .arg(json, longWord);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("out.pdf"));
    QCOMPARE(agency::ui::writePdf(path, markdown), QString());

    QPdfDocument pdf;
    QCOMPARE(pdf.load(path), QPdfDocument::Error::None);
    QString all;
    for (int page = 0; page < pdf.pageCount(); ++page) {
        const QPdfSelection text = pdf.getAllText(page);
        all += text.text();
        // Every character is inside the page it is on.
        const QRectF onPage(QPointF(0, 0), pdf.pagePointSize(page));
        const QRectF bounds = text.boundingRectangle();
        QVERIFY2(onPage.contains(bounds), qPrintable(QStringLiteral("page %1: text spans %2..%3 pt of %4 pt")
                                                         .arg(page)
                                                         .arg(bounds.left())
                                                         .arg(bounds.right())
                                                         .arg(onPage.width())));
    }
    all.remove(QRegularExpression(QStringLiteral("\\s")));
    QVERIFY2(all.contains(QStringLiteral("TAILMARK")), qPrintable(all.right(200)));
    QVERIFY(all.contains(QStringLiteral("WORDEND")));
    QVERIFY(all.contains(QStringLiteral("Lastline.")));
}

QTEST_MAIN(TestPdfExport)
#include "test_pdfexport.moc"
