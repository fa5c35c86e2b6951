// extractDocument() on every non-PDF format and on every refusal (PDF: test_extractpdf).

#include "extracttesting.h"
#include "testdocuments.h"

using namespace agency;
using namespace agency::knowledge;
using agency::test::OfficeBlock;

class TestExtract : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void plainTextIsOnePageOfParagraphs()
    {
        const QString source =
            QStringLiteral("First paragraph,\nstill the first.\n\n\nSecond one.\r\n\r\nThird.");
        const auto out = test::extract(source.toUtf8(), QStringLiteral("notes.txt"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("text"));
        QCOMPARE(out.result->mimeType, QStringLiteral("text/plain"));
        QCOMPARE(out.result->encoding, QStringLiteral("UTF-8"));
        QCOMPARE(out.result->pages, 1);
        QCOMPARE(out.pages.size(), 1);
        QCOMPARE(out.pages[0].number, 0);
        QCOMPARE(out.pages[0].text,
                 QStringLiteral("First paragraph,\nstill the first.\n\n\nSecond one.\n\nThird."));
        QCOMPARE(
            test::describeBlocks(out.pages[0]),
            QStringList({QStringLiteral("paragraph: First paragraph,\nstill the first."),
                         QStringLiteral("paragraph: Second one."), QStringLiteral("paragraph: Third.")}));
    }

    void encodingsAreDetected_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("encoding");
        const QString french = QStringLiteral(
            "Le café du coin servait une crème brûlée délicieuse. Les élèves étaient très contents "
            "de goûter à la pâtisserie française, même après l'été. Où êtes-vous allés à Noël ?");
        const QString windows = QStringLiteral(
            "\u201CSmart quotes\u201D cost \u20AC12 \u2013 the caf\u00E9\u2019s na\u00EFve r\u00E9sum\u00E9 "
            "of \u201Cthe deal\u201D was\u2026 fine. \u201CAgain\u201D, said the client \u2014 twice.");
        const QString japanese = QStringLiteral(
            "\u3053\u308C\u306F\u65E5\u672C\u8A9E\u306E\u6587\u66F8\u3067\u3059\u3002\u5951\u7D04\u66F8\u306E"
            "\u5185\u5BB9\u3092\u78BA\u8A8D\u3057\u3066\u304F\u3060\u3055\u3044\u3002\u4F1A\u8B70\u306F\u6765"
            "\u9031\u306E\u6708\u66DC\u65E5\u306B\u958B\u304B\u308C\u307E\u3059\u3002\u8CC7\u6599\u3092\u6E96"
            "\u5099\u3057\u3066\u304A\u3044\u3066\u304F\u3060\u3055\u3044\u3002");
        const QString mixed = QStringLiteral("Emoji \U0001F600 and \u00E9t\u00E9, \u4E2D\u6587.");
        QTest::newRow("UTF-8") << mixed.toUtf8() << mixed << QStringLiteral("UTF-8");
        QTest::newRow("UTF-8 with BOM")
            << test::encodeText(mixed, "UTF-8", true) << mixed << QStringLiteral("UTF-8");
        QTest::newRow("UTF-16LE with BOM")
            << test::encodeText(mixed, "UTF-16LE", true) << mixed << QStringLiteral("UTF-16LE");
        QTest::newRow("UTF-16BE with BOM")
            << test::encodeText(mixed, "UTF-16BE", true) << mixed << QStringLiteral("UTF-16BE");
        QTest::newRow("UTF-16LE without BOM")
            << test::encodeText(french, "UTF-16LE") << french << QStringLiteral("UTF-16LE");
        QTest::newRow("Latin-1") << french.toLatin1() << french << QStringLiteral("");
        QTest::newRow("Windows-1252")
            << test::encodeText(windows, "windows-1252") << windows << QStringLiteral("WINDOWS-1252");
        QTest::newRow("Shift-JIS") << test::encodeText(japanese, "Shift_JIS") << japanese
                                   << QStringLiteral("SHIFT_JIS");
    }
    void encodingsAreDetected()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        QFETCH(QString, encoding);
        const auto out = test::extract(bytes, QStringLiteral("text.txt"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.text(), expected);
        if (!encoding.isEmpty())
            QCOMPARE(out.result->encoding, encoding);
        else // Latin-1 text is equally Windows-1252: either name is right
            QVERIFY2(out.result->encoding.contains(QLatin1String("8859-1")) ||
                         out.result->encoding == QLatin1String("WINDOWS-1252"),
                     qPrintable(out.result->encoding));
    }

    void markdownKeepsTheSourceAndMarksItsStructure()
    {
        const QString source =
            QStringLiteral("# Project brief\n\nIntro paragraph\nover two lines.\n\n"
                           "## Scope\n\n- first item\n  continued\n- second item\n1. numbered\n\n"
                           "```cpp\nint main() {}\n\nreturn 0;\n```\n\n"
                           "Setext title\n------------\n\n| a | b |\n|---|---|\n\n###### Deep #\n");
        const auto out = test::extract(source.toUtf8(), QStringLiteral("brief.md"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("markdown"));
        QCOMPARE(out.result->title, QStringLiteral("Project brief"));
        QCOMPARE(out.pages.size(), 1);
        QCOMPARE(out.pages[0].text, source); // spans point at the source as written
        QCOMPARE(test::describeBlocks(out.pages[0]),
                 QStringList({QStringLiteral("heading1: # Project brief"),
                              QStringLiteral("paragraph: Intro paragraph\nover two lines."),
                              QStringLiteral("heading2: ## Scope"),
                              QStringLiteral("item: - first item\n  continued"),
                              QStringLiteral("item: - second item"), QStringLiteral("item: 1. numbered"),
                              QStringLiteral("code: ```cpp\nint main() {}\n\nreturn 0;\n```"),
                              QStringLiteral("heading2: Setext title\n------------"),
                              QStringLiteral("row: | a | b |"), QStringLiteral("row: |---|---|"),
                              QStringLiteral("heading6: ###### Deep #")}));
    }

    void markdownIsRecognisedByDeclaredType()
    {
        const auto out = test::extract("## Only heading\n\ntext", QStringLiteral("upload"),
                                       QStringLiteral("text/markdown"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("markdown"));
        QCOMPARE(out.result->title, QStringLiteral("Only heading"));
    }

    void htmlGivesVisibleTextOnly()
    {
        const QByteArray html =
            "<!DOCTYPE html><html><head><title>Quarterly &amp; annual</title>"
            "<style>p { color: red; }</style><script>var hidden = '<p>not text</p>';</script></head>"
            "<body><!-- a comment --><h1>Results</h1><p>Revenue  grew\n by <b>12&nbsp;%</b> &mdash; "
            "caf&eacute; &#233;&#x1F600; &lt;ok&gt; &bogus; AT&T</p>"
            "<ul><li>One</li><li>Two <i>items</i></li></ul>"
            "<table><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td>1</td></tr></table>"
            "<h3>Code</h3><pre>line 1\n  line 2</pre><div>Tail<br>next line</div>"
            "<noscript>enable JS</noscript><template><p>tpl</p></template></body></html>";
        const auto out = test::extract(html, QStringLiteral("report.html"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("html"));
        QCOMPARE(out.result->title, QStringLiteral("Quarterly & annual"));
        QCOMPARE(
            test::describeBlocks(out.pages[0]),
            QStringList({QStringLiteral("heading1: Results"),
                         QStringLiteral("paragraph: Revenue grew by 12 % \u2014 caf\u00E9 \u00E9\U0001F600 "
                                        "<ok> &bogus; AT&T"),
                         QStringLiteral("item: One"), QStringLiteral("item: Two items"),
                         QStringLiteral("row: Name | Value"), QStringLiteral("row: alpha | 1"),
                         QStringLiteral("heading3: Code"), QStringLiteral("code: line 1\n  line 2"),
                         QStringLiteral("paragraph: Tail\nnext line")}));
    }

    void htmlIsSniffedAndItsCharsetHonoured()
    {
        const QByteArray html =
            "<html><head><meta charset=\"windows-1252\"></head><body><p>Caf\xE9 \x93quoted\x94</p>"
            "</body></html>";
        const auto out = test::extract(html, QStringLiteral("page"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("html"));
        QCOMPARE(out.text(), QStringLiteral("Caf\u00E9 \u201Cquoted\u201D"));
    }

    void csvRowsNameTheirValues_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("comma") << QByteArray(
            "name,city,notes\nAda,London,\"likes, commas\"\nBob,Paris,\"two\nlines\"\n");
        QTest::newRow("semicolon") << QByteArray(
            "name;city;notes\r\nAda;London;\"likes, commas\"\r\nBob;Paris;\"two\nlines\"\r\n");
        QTest::newRow("tab") << QByteArray(
            "name\tcity\tnotes\nAda\tLondon\tlikes, commas\nBob\tParis\t\"two\nlines\"\n");
    }
    void csvRowsNameTheirValues()
    {
        QFETCH(QByteArray, bytes);
        const auto out = test::extract(bytes, QStringLiteral("people.csv"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("csv"));
        QCOMPARE(test::describeBlocks(out.pages[0]),
                 QStringList({QStringLiteral("row: name: Ada; city: London; notes: likes, commas"),
                              QStringLiteral("row: name: Bob; city: Paris; notes: two lines")}));
    }

    void docxGivesParagraphsHeadingsListsAndTables()
    {
        const QList<OfficeBlock> blocks = {
            OfficeBlock::heading(QStringLiteral("Agreement")),
            OfficeBlock::paragraph(QStringLiteral("The parties agree & sign.")),
            OfficeBlock::heading(QStringLiteral("Payment"), 2),
            OfficeBlock::listItem(QStringLiteral("Net 30 days")),
            OfficeBlock::row({QStringLiteral("Item"), QStringLiteral("Price")}),
            OfficeBlock::row({QStringLiteral("Audit"), QStringLiteral("1 200 \u20AC")}),
            OfficeBlock::paragraph(QStringLiteral("Signed in Z\u00FCrich."))};
        const QStringList expected = {QStringLiteral("heading1: Agreement"),
                                      QStringLiteral("paragraph: The parties agree & sign."),
                                      QStringLiteral("heading2: Payment"),
                                      QStringLiteral("item: Net 30 days"),
                                      QStringLiteral("row: Item | Price"),
                                      QStringLiteral("row: Audit | 1 200 \u20AC"),
                                      QStringLiteral("paragraph: Signed in Z\u00FCrich.")};
        const auto titled = test::extract(test::makeDocx(blocks, QStringLiteral("Service agreement")),
                                          QStringLiteral("a.docx"));
        QVERIFY2(titled.result, qPrintable(titled.error()));
        QCOMPARE(titled.result->format, QStringLiteral("docx"));
        QCOMPARE(titled.result->title, QStringLiteral("Service agreement"));
        QCOMPARE(test::describeBlocks(titled.pages[0]), expected);
        // No metadata title: the first heading names it; a wrong name does not matter.
        const auto untitled = test::extract(test::makeDocx(blocks), QStringLiteral("a.bin"));
        QVERIFY2(untitled.result, qPrintable(untitled.error()));
        QCOMPARE(untitled.result->title, QStringLiteral("Agreement"));
    }

    void odtGivesParagraphsHeadingsListsAndTables()
    {
        const QList<OfficeBlock> blocks = {
            OfficeBlock::heading(QStringLiteral("Rapport"), 1),
            OfficeBlock::paragraph(QStringLiteral("Premier paragraphe <ok>.")),
            OfficeBlock::heading(QStringLiteral("D\u00E9tails"), 3),
            OfficeBlock::listItem(QStringLiteral("un")),
            OfficeBlock::listItem(QStringLiteral("deux")),
            OfficeBlock::row({QStringLiteral("cl\u00E9"), QStringLiteral("valeur")})};
        const auto out =
            test::extract(test::makeOdt(blocks, QStringLiteral("Le rapport")), QStringLiteral("r.odt"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.result->format, QStringLiteral("odt"));
        QCOMPARE(out.result->mimeType, QStringLiteral("application/vnd.oasis.opendocument.text"));
        QCOMPARE(out.result->title, QStringLiteral("Le rapport"));
        QCOMPARE(test::describeBlocks(out.pages[0]),
                 QStringList({QStringLiteral("heading1: Rapport"),
                              QStringLiteral("paragraph: Premier paragraphe <ok>."),
                              QStringLiteral("heading3: D\u00E9tails"), QStringLiteral("item: un"),
                              QStringLiteral("item: deux"), QStringLiteral("row: cl\u00E9 | valeur")}));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("fileName");
        QTest::addColumn<QString>("expected");
        const QString unsupported = QStringLiteral("which is not a supported type");
        QTest::newRow("empty") << QByteArray() << QStringLiteral("e.txt")
                               << QStringLiteral("\"e.txt\" is empty (0 bytes)");
        QTest::newRow("blank text") << QByteArray(" \n\n\t \n") << QStringLiteral("b.txt")
                                    << QStringLiteral("\"b.txt\" contains no text");
        QTest::newRow("PNG") << QByteArray("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16) << QStringLiteral("p.png")
                             << QStringLiteral("is a PNG image, ") + unsupported;
        QTest::newRow("legacy Word") << QByteArray("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", 10)
                                     << QStringLiteral("old.doc")
                                     << QStringLiteral("is a legacy Office document");
        QTest::newRow("xlsx") << test::makeZip({{QStringLiteral("[Content_Types].xml"), "<Types/>"},
                                                {QStringLiteral("xl/workbook.xml"), "<workbook/>"}})
                              << QStringLiteral("s.xlsx")
                              << QStringLiteral("is an Excel workbook (.xlsx), ") + unsupported;
        QTest::newRow("ods") << test::makeZip({{QStringLiteral("mimetype"),
                                                "application/vnd.oasis.opendocument.spreadsheet", true}})
                             << QStringLiteral("s.ods")
                             << QStringLiteral("is an OpenDocument spreadsheet (.ods), ") + unsupported;
        QTest::newRow("plain zip") << test::makeZip({{QStringLiteral("a.txt"), "hello"}})
                                   << QStringLiteral("a.zip")
                                   << QStringLiteral("is a ZIP archive, ") + unsupported;
        QTest::newRow("binary") << QByteArray("\x01\x02\0\x03\x04garbage\0", 14) << QStringLiteral("blob.bin")
                                << QStringLiteral("is binary data of an unrecognised type (.bin), ") +
                                       unsupported;
        QTest::newRow("corrupt zip") << QByteArray("PK\x03\x04 this is not really a zip archive at all")
                                     << QStringLiteral("c.docx")
                                     << QStringLiteral("\"c.docx\" is a corrupt or truncated ZIP archive");
        QTest::newRow("docx named but text")
            << QByteArray("just text") << QStringLiteral("fake.docx")
            << QStringLiteral("is not a ZIP archive, so not a valid DOCX file");
        QTest::newRow("pdf named but text")
            << QByteArray("just text") << QStringLiteral("fake.pdf") << QStringLiteral("is not a PDF");
        QTest::newRow("docx with broken XML")
            << test::makeZip({{QStringLiteral("[Content_Types].xml"), "<Types/>"},
                              {QStringLiteral("word/document.xml"), "<w:document><w:body><w:p></w:body>"}})
            << QStringLiteral("x.docx") << QStringLiteral("has a corrupt word/document.xml");
        QTest::newRow("docx without text") << test::makeDocx({}) << QStringLiteral("void.docx")
                                           << QStringLiteral("\"void.docx\" contains no text");
    }
    void refusals()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, fileName);
        QFETCH(QString, expected);
        const auto out = test::extract(bytes, fileName);
        QVERIFY(!out.result);
        QCOMPARE(out.result.error().code, core::ErrorCode::InvalidArgument);
        QVERIFY2(out.error().contains(expected), qPrintable(out.error()));
        QVERIFY(out.pages.isEmpty());
    }

    void zipBombIsRefusedFromItsDirectory()
    {
        // 64 MiB of XML compressed about a thousand to one: over the default ratio limit.
        const QByteArray bomb = test::makeZipBombDocx(64 << 20);
        QVERIFY(bomb.size() < 1 << 20);
        const auto byRatio = test::extract(bomb, QStringLiteral("bomb.docx"));
        QVERIFY(!byRatio.result);
        QVERIFY2(byRatio.error().contains(QLatin1String("\"bomb.docx\" looks like a zip bomb: its part "
                                                        "word/document.xml is compressed")),
                 qPrintable(byRatio.error()));
        QVERIFY(byRatio.pages.isEmpty());

        ExtractLimits limits;
        limits.maxCompressionRatio = 1e9;
        limits.maxArchiveEntryBytes = 8 << 20;
        const auto bySize = test::extract(bomb, QStringLiteral("bomb.docx"), {}, limits);
        QVERIFY(!bySize.result);
        QVERIFY2(bySize.error().contains(QLatin1String("inflates to 64.0 MiB, over the limit of 8.0 MiB")),
                 qPrintable(bySize.error()));
    }

    void zipBombLyingAboutItsSizeIsStoppedWhileInflating()
    {
        // Its directory says 1,000 bytes: the declared sizes pass, inflating stops at that size and
        // the checksum shows the lie.
        const auto out = test::extract(test::makeLyingZipBombDocx(64 << 20), QStringLiteral("liar.docx"));
        QVERIFY(!out.result);
        QVERIFY2(out.error().contains(QLatin1String("\"liar.docx\" is a corrupt ZIP archive: its part "
                                                    "word/document.xml fails its checksum or size check")),
                 qPrintable(out.error()));
        QVERIFY(out.pages.isEmpty());
    }

    void smallRepetitivePartsAreNotBombs()
    {
        // A 200 KiB part compressing far beyond the ratio is below the size the ratio applies from.
        QList<OfficeBlock> blocks;
        for (int i = 0; i < 2000; ++i)
            blocks.append(OfficeBlock::paragraph(QStringLiteral("same line")));
        const auto out = test::extract(test::makeDocx(blocks), QStringLiteral("repetitive.docx"));
        QVERIFY2(out.result, qPrintable(out.error()));
        QCOMPARE(out.pages[0].blocks.size(), 2000);
    }

    void characterLimitIsEnforced()
    {
        ExtractLimits limits;
        limits.maxExtractedChars = 100;
        const auto out = test::extract(QByteArray(200, 'a'), QStringLiteral("long.txt"), {}, limits);
        QVERIFY(!out.result);
        QCOMPARE(out.error(),
                 QStringLiteral("\"long.txt\" holds more than 100 characters of text, the limit"));
        QVERIFY(out.pages.isEmpty());
        // Far over: refused from the file's size, before decoding it.
        limits.maxExtractedChars = 10;
        const auto early = test::extract(QByteArray(200, 'a'), QStringLiteral("long.md"), {}, limits);
        QCOMPARE(early.error(),
                 QStringLiteral("\"long.md\" holds more than 10 characters of text, the limit"));
        // Markup is not text: an HTML file is measured by what it shows.
        const auto html =
            test::extract("<p>" + QByteArray(1000, ' ') + "short</p>", QStringLiteral("h.html"), {}, limits);
        QVERIFY2(html.result, qPrintable(html.error()));
        QCOMPARE(html.text(), QStringLiteral("short"));
    }

    void cancelledBeforeStartingIsCancelled()
    {
        const auto cancel = core::CancelToken::create();
        cancel->cancel();
        const auto out = test::extract("text", QStringLiteral("t.txt"), {}, {}, cancel);
        QVERIFY(!out.result);
        QCOMPARE(out.result.error().code, core::ErrorCode::Cancelled);
        QVERIFY(out.pages.isEmpty());
    }

    void sinkErrorStopsExtraction()
    {
        const auto result = extractDocument("some text", QStringLiteral("t.txt"), {}, {}, [](ExtractedPage) {
            return core::Result<void>(
                core::makeError(core::ErrorCode::DatabaseUnavailable, QStringLiteral("db down")));
        });
        QVERIFY(!result);
        QCOMPARE(result.error().code, core::ErrorCode::DatabaseUnavailable);
    }
};

QTEST_MAIN(TestExtract)
#include "test_extract.moc"
