// PDF extraction: the text layer page by page, the title from the metadata, and the refusals
// (scanned, encrypted, corrupt, over the page limit, cancelled).

#include "extracttesting.h"
#include "testdocuments.h"

using namespace agency;
using namespace agency::knowledge;

namespace {

// Words of the page as one space-separated string: PDF text comes back with its own line breaks.
QString words(const QString &text)
{
    return text.simplified();
}

} // namespace

class TestExtractPdf : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void pagesComeWithTheirNumbersAndTheTitle()
    {
        const QStringList pages = {
            QStringLiteral("The first page talks about the contract."),
            QStringLiteral("Second page: d\u00E9lai de paiement, \u00FCber, na\u00EFve."),
            QStringLiteral("Third page closes.")};
        const auto out = test::extract(test::makePdf(pages, QStringLiteral("Contract review")),
                                       QStringLiteral("review.pdf"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("pdf"));
        QCOMPARE(out.result->mimeType, QStringLiteral("application/pdf"));
        QCOMPARE(out.result->title, QStringLiteral("Contract review"));
        QCOMPARE(out.result->pages, 3);
        QCOMPARE(out.pages.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(out.pages[i].number, i + 1);
            QCOMPARE(words(out.pages[i].text), pages[i]);
            QVERIFY(!out.pages[i].blocks.isEmpty());
        }
    }

    void bytesDecideOverNameAndDeclaredType()
    {
        const auto out = test::extract(test::makePdf({QStringLiteral("Hidden PDF.")}),
                                       QStringLiteral("notes.txt"), QStringLiteral("text/plain"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("pdf"));
    }

    void blankPagesKeepTheirPlace()
    {
        const auto out = test::extract(test::makePdf({QString(), QStringLiteral("Middle."), QString()}),
                                       QStringLiteral("gaps.pdf"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.pages.size(), 3);
        QCOMPARE(out.pages[0].number, 1);
        QVERIFY(out.pages[0].text.isEmpty());
        QCOMPARE(words(out.pages[1].text), QStringLiteral("Middle."));
        QCOMPARE(out.pages[2].number, 3);
        QVERIFY(out.pages[2].text.isEmpty());
    }

    void fourHundredPagesArriveOneAtATime()
    {
        const QStringList pages = test::generatedPages(400);
        const QByteArray pdf = test::makePdf(pages);
        // Each page reaches the sink on its own, in order, holding its own text and no other's.
        int calls = 0;
        const auto result = extractDocument(pdf, QStringLiteral("big.pdf"), {}, {}, [&](ExtractedPage page) {
            ++calls;
            if (page.number != calls)
                return core::Result<void>(
                    core::makeError(core::ErrorCode::Internal, QStringLiteral("out of order")));
            const QString text = words(page.text);
            if (!text.startsWith(QStringLiteral("Page %1. ").arg(calls)) ||
                text.contains(QStringLiteral("Page %1. ").arg(calls + 1)) || text.size() < 2000)
                return core::Result<void>(
                    core::makeError(core::ErrorCode::Internal, QStringLiteral("wrong page text")));
            return core::Result<void>();
        });
        QVERIFY2(result, qPrintable(result.ok() ? QString() : result.error().message));
        QCOMPARE(calls, 400);
        QCOMPARE(result->pages, 400);

        // A sink that fails at page 5 stops the extraction there: no page after it is read.
        int seen = 0;
        const auto stopped = extractDocument(pdf, QStringLiteral("big.pdf"), {}, {}, [&](ExtractedPage page) {
            ++seen;
            return page.number == 5 ? core::Result<void>(core::makeError(core::ErrorCode::DatabaseUnavailable,
                                                                         QStringLiteral("database gone")))
                                    : core::Result<void>();
        });
        QVERIFY(!stopped);
        QCOMPARE(stopped.error().code, core::ErrorCode::DatabaseUnavailable);
        QCOMPARE(seen, 5);
    }

    void cancellingBetweenPagesStops()
    {
        const auto cancel = core::CancelToken::create();
        int seen = 0;
        const auto result = extractDocument(
            test::makePdf(test::generatedPages(10, 300)), QStringLiteral("c.pdf"), {}, {},
            [&](ExtractedPage) {
                if (++seen == 2)
                    cancel->cancel();
                return core::Result<void>();
            },
            cancel);
        QVERIFY(!result);
        QCOMPARE(result.error().code, core::ErrorCode::Cancelled);
        QCOMPARE(seen, 2);
    }

    void scannedPdfHasNoTextLayer()
    {
        const auto out = test::extract(test::makeImageOnlyPdf(3), QStringLiteral("scan.pdf"));
        QVERIFY(!out.result);
        QCOMPARE(out.result.error().code, core::ErrorCode::InvalidArgument);
        QCOMPARE(
            out.error(),
            QStringLiteral("\"scan.pdf\" has no text layer (a scanned document?); OCR is not supported"));
        QVERIFY(out.pages.isEmpty());
    }

    void encryptedPdfIsRefused()
    {
        const auto out = test::extract(test::makeEncryptedPdf(), QStringLiteral("secret.pdf"));
        QVERIFY(!out.result);
        QCOMPARE(
            out.error(),
            QStringLiteral("\"secret.pdf\" is password-protected; remove the password and upload it again"));
        QVERIFY(out.pages.isEmpty());
    }

    void corruptPdfIsRefused()
    {
        const auto out =
            test::extract("%PDF-1.7\nthis is no PDF body at all\n", QStringLiteral("broken.pdf"));
        QVERIFY(!out.result);
        QCOMPARE(out.error(), QStringLiteral("\"broken.pdf\" is a corrupt or truncated PDF"));
    }

    void pageLimitIsCheckedBeforeReading()
    {
        ExtractLimits limits;
        limits.maxPages = 2;
        const auto out = test::extract(test::makePdf(test::generatedPages(3, 100)),
                                       QStringLiteral("long.pdf"), {}, limits);
        QVERIFY(!out.result);
        QCOMPARE(out.error(), QStringLiteral("\"long.pdf\" has 3 pages, over the limit of 2 pages"));
        QVERIFY(out.pages.isEmpty());
    }
};

QTEST_MAIN(TestExtractPdf)
#include "test_extractpdf.moc"
