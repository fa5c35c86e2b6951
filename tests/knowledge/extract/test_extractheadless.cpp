// The server extracts PDFs in a program with no QGuiApplication: QtPdf must work there too.

#include "extracttesting.h"
#include "testdocuments.h"

#include <QCoreApplication>
#include <QGuiApplication>
#include <QThread>

#include <memory>

using namespace agency;

class TestExtractHeadless : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pdfTextWithoutAGuiApplication()
    {
        QVERIFY(!qobject_cast<QGuiApplication *>(QCoreApplication::instance()));
        const auto out =
            test::extract(test::makeSimplePdf({QStringLiteral("Headless page one.\nSecond line."),
                                               QStringLiteral("Page two (with parentheses).")},
                                              QStringLiteral("Plain")),
                          QStringLiteral("plain.pdf"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->title, QStringLiteral("Plain"));
        QCOMPARE(out.pages.size(), 2);
        QCOMPARE(out.pages[0].text.simplified(), QStringLiteral("Headless page one. Second line."));
        QCOMPARE(out.pages[1].text.simplified(), QStringLiteral("Page two (with parentheses)."));
    }

    void pdfsInSeveralThreadsAtOnce()
    {
        // The ingestion worker extracts off the main thread, several documents at a time.
        const QByteArray pdf = test::makeSimplePdf(test::generatedPages(30, 400));
        QList<test::Extraction> results(4);
        std::vector<std::unique_ptr<QThread>> threads;
        for (qsizetype i = 0; i < results.size(); ++i) {
            threads.emplace_back(
                QThread::create([&, i] { results[i] = test::extract(pdf, QStringLiteral("t.pdf")); }));
            threads.back()->start();
        }
        for (auto &thread : threads)
            QVERIFY(thread->wait(120'000));
        for (const auto &result : std::as_const(results)) {
            QVERIFY2(result.result, qPrintable(result.error()));
            QCOMPARE(result.pages.size(), 30);
            QCOMPARE(result.text(), results[0].text());
        }
        QVERIFY(results[0].text().contains(QLatin1String("Page 30.")));
    }

    void encryptedWithoutAGuiApplication()
    {
        const auto out = test::extract(test::makeEncryptedPdf(), QStringLiteral("secret.pdf"));
        QVERIFY(!out.result);
        QVERIFY2(out.error().contains(QLatin1String("is password-protected")), qPrintable(out.error()));
    }
};

QTEST_GUILESS_MAIN(TestExtractHeadless)
#include "test_extractheadless.moc"
