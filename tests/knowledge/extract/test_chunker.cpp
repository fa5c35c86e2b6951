// chunkPage(): every chunk is exactly its span of the document's text (UTF-16 offsets), along the
// blocks, within the token bounds, with overlap, and with the heading path in force.

#include "extracttesting.h"
#include "knowledge/extract/chunker.h"

#include "core/tokenestimate.h"

#include <QRandomGenerator>

using namespace agency;
using namespace agency::knowledge;

namespace {

struct Document
{
    QList<ExtractedPage> pages;
    QString text; ///< pages joined by "\n\n"
    QList<qint64> pageStarts;
};

Document join(QList<ExtractedPage> pages)
{
    Document doc;
    doc.pages = std::move(pages);
    for (const auto &page : std::as_const(doc.pages)) {
        if (!doc.pageStarts.isEmpty())
            doc.text += QStringLiteral("\n\n");
        doc.pageStarts.append(doc.text.size());
        doc.text += page.text;
    }
    return doc;
}

// Words in several scripts, with characters outside the BMP (two UTF-16 units each).
const QStringList kWords = {QStringLiteral("contract"),
                            QStringLiteral("caf\u00E9"),
                            QStringLiteral("\U0001F600smile"),
                            QStringLiteral("\u5951\u7D04\u66F8"),
                            QStringLiteral("na\u00EFve"),
                            QStringLiteral("\U0001D400\U0001D401"),
                            QStringLiteral("the"),
                            QStringLiteral("\u0645\u0631\u062D\u0628\u0627"),
                            QStringLiteral("payment"),
                            QStringLiteral("\U0001F1EB\U0001F1F7")};

QString randomText(QRandomGenerator &random, int words)
{
    QString text;
    for (int w = 0; w < words; ++w) {
        if (w > 0)
            text += random.bounded(12) == 0 ? QStringLiteral(". ") : QStringLiteral(" ");
        text += kWords[int(random.bounded(kWords.size()))];
        if (random.bounded(300) == 0)
            text +=
                QString(2000 + int(random.bounded(3000)), QLatin1Char('x')); // a "word" longer than a chunk
    }
    if (random.bounded(4) == 0) // CJK sentences without spaces
        text +=
            QStringLiteral("\u3053\u308C\u306F\u6587\u3067\u3059\u3002").repeated(int(random.bounded(400)));
    return text + QLatin1Char('.');
}

ExtractedPage randomPage(QRandomGenerator &random, int number)
{
    ExtractedPage page;
    page.number = number;
    const int blocks = int(random.bounded(1, 25));
    for (int b = 0; b < blocks; ++b) {
        const auto kind = BlockKind(random.bounded(5));
        const int size =
            random.bounded(10) == 0 ? int(random.bounded(500, 2500)) : int(random.bounded(1, 150));
        QString text = kind == BlockKind::Heading ? QStringLiteral("## ") + randomText(random, 4)
                                                  : randomText(random, size);
        if (!page.text.isEmpty())
            page.text += random.bounded(3) == 0 ? QStringLiteral("\n \n\n") : QStringLiteral("\n\n");
        TextBlock block;
        block.kind = kind;
        block.level = int(random.bounded(1, 7));
        block.start = page.text.size();
        page.text += text;
        block.end = page.text.size();
        page.blocks.append(block);
    }
    if (random.bounded(5) == 0)
        page.blocks.clear(); // the chunker finds paragraphs itself
    return page;
}

bool splitsASurrogatePair(const QString &text, qint64 offset)
{
    return offset > 0 && offset < text.size() && text[offset].isLowSurrogate() &&
           text[offset - 1].isHighSurrogate();
}

} // namespace

class TestChunker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyChunkIsExactlyItsSpan()
    {
        QRandomGenerator random(7);
        const ChunkOptions options;
        int chunks = 0;
        for (int docIndex = 0; docIndex < 150; ++docIndex) {
            QList<ExtractedPage> pages;
            const int pageCount = int(random.bounded(1, 5));
            for (int p = 0; p < pageCount; ++p)
                pages.append(randomPage(random, pageCount > 1 ? p + 1 : 0));
            const Document doc = join(pages);
            for (qsizetype p = 0; p < doc.pages.size(); ++p) {
                const ExtractedPage &page = doc.pages[p];
                const qint64 pageStart = doc.pageStarts[p];
                const QList<ChunkSpan> spans = chunkPage(page, pageStart, options);
                QVector<bool> covered(page.text.size(), false);
                qint64 previousStart = -1, previousEnd = -1;
                for (const ChunkSpan &span : spans) {
                    ++chunks;
                    QVERIFY(span.start >= pageStart && span.end <= pageStart + page.text.size());
                    QVERIFY(span.start < span.end);
                    QCOMPARE(span.text, doc.text.mid(span.start, span.end - span.start));
                    QCOMPARE(span.page, page.number);
                    QVERIFY2(span.tokenEstimate <= options.maxTokens,
                             qPrintable(QString::number(span.tokenEstimate)));
                    QCOMPARE(qint64(span.tokenEstimate), core::tokensForChars(span.end - span.start));
                    QVERIFY(!splitsASurrogatePair(doc.text, span.start));
                    QVERIFY(!splitsASurrogatePair(doc.text, span.end));
                    QVERIFY(span.start > previousStart); // in order; overlap only with the one before
                    QVERIFY(span.start >= previousStart && (previousEnd < 0 || span.end > previousEnd));
                    previousStart = span.start;
                    previousEnd = span.end;
                    for (qint64 i = span.start - pageStart; i < span.end - pageStart; ++i)
                        covered[i] = true;
                }
                // Nothing that is text is lost: every non-space character is in some chunk.
                qsizetype uncovered = -1;
                for (qsizetype i = 0; i < page.text.size() && uncovered < 0; ++i) {
                    if (!covered[i] && !page.text[i].isSpace())
                        uncovered = i;
                }
                QVERIFY2(uncovered < 0,
                         qPrintable(QStringLiteral("offset %1 of page %2 uncovered").arg(uncovered).arg(p)));
            }
        }
        QVERIFY(chunks > 1000);
    }

    void headingsStartChunksAndNameThePath()
    {
        const QString text = QStringLiteral("# Guide\n\n## Install\n\nRun the installer.\n\n"
                                            "### Linux\n\nUse the package.\n\n## Use\n\nStart it.");
        ExtractedPage page;
        page.text = text;
        const auto heading = [&](const QString &h, int level) {
            const qint64 at = text.indexOf(h);
            return TextBlock{BlockKind::Heading, level, at, at + h.size()};
        };
        const auto paragraph = [&](const QString &p) {
            const qint64 at = text.indexOf(p);
            return TextBlock{BlockKind::Paragraph, 0, at, at + p.size()};
        };
        page.blocks = {
            heading(QStringLiteral("# Guide"), 1),           heading(QStringLiteral("## Install"), 2),
            paragraph(QStringLiteral("Run the installer.")), heading(QStringLiteral("### Linux"), 3),
            paragraph(QStringLiteral("Use the package.")),   heading(QStringLiteral("## Use"), 2),
            paragraph(QStringLiteral("Start it."))};
        const auto spans = chunkPage(page, 100);
        QCOMPARE(spans.size(), 3);
        QCOMPARE(spans[0].text, QStringLiteral("# Guide\n\n## Install\n\nRun the installer."));
        QCOMPARE(spans[0].headingPath, QStringLiteral("Guide > Install"));
        QCOMPARE(spans[0].start, 100);
        QCOMPARE(spans[1].text, QStringLiteral("### Linux\n\nUse the package."));
        QCOMPARE(spans[1].headingPath, QStringLiteral("Guide > Install > Linux"));
        QCOMPARE(spans[2].text, QStringLiteral("## Use\n\nStart it."));
        QCOMPARE(spans[2].headingPath, QStringLiteral("Guide > Use"));
    }

    void paragraphsAreKeptWholeAndChunksOverlap()
    {
        // 30 paragraphs of about 100 tokens: chunks of 4 to 6 whole paragraphs.
        ExtractedPage page;
        QList<std::pair<qint64, qint64>> paragraphs;
        for (int i = 0; i < 30; ++i) {
            if (i)
                page.text += QStringLiteral("\n\n");
            const qint64 start = page.text.size();
            page.text += QStringLiteral("Paragraph %1 says something. ").arg(i, 2).repeated(13).trimmed();
            paragraphs.append({start, page.text.size()});
            page.blocks.append({BlockKind::Paragraph, 0, start, page.text.size()});
        }
        const auto spans = chunkPage(page, 0);
        QVERIFY(spans.size() >= 5);
        for (qsizetype c = 0; c < spans.size(); ++c) {
            const ChunkSpan &span = spans[c];
            if (c + 1 < spans.size()) {
                QVERIFY2(span.tokenEstimate >= 400 && span.tokenEstimate <= 600,
                         qPrintable(QString::number(span.tokenEstimate)));
                QVERIFY2(spans[c + 1].start < span.end, "consecutive chunks overlap");
                QVERIFY(span.end - spans[c + 1].start <= 60 * 4);
            }
            // A chunk ends where a paragraph ends: none is cut (the overlap starts inside one).
            QVERIFY(std::any_of(paragraphs.cbegin(), paragraphs.cend(),
                                [&](const auto &p) { return p.second == span.end; }));
        }
    }

    void oversizedParagraphsAreCutAtSentencesThenWords()
    {
        ExtractedPage page;
        page.text =
            QStringLiteral("This sentence is one of many in a very long paragraph. ").repeated(200).trimmed();
        const auto spans = chunkPage(page, 0);
        QVERIFY(spans.size() > 3);
        for (const auto &span : spans) {
            QVERIFY2(span.text.endsWith(QLatin1Char('.')), qPrintable(span.text.right(20)));
            QVERIFY(span.tokenEstimate <= 600);
        }

        ExtractedPage noSentences;
        noSentences.text = QStringLiteral("word ").repeated(3000).trimmed();
        for (const auto &span : chunkPage(noSentences, 0)) {
            QVERIFY(span.text.startsWith(QLatin1String("word")));
            QVERIFY(span.text.endsWith(QLatin1String("word")));
        }
    }

    void optionsChangeTheSizes()
    {
        ExtractedPage page;
        page.text = QStringLiteral("Short sentence here. ").repeated(400).trimmed();
        ChunkOptions small;
        small.targetTokens = 50;
        small.maxTokens = 80;
        small.overlapTokens = 0;
        const auto spans = chunkPage(page, 0, small);
        QVERIFY(spans.size() > 20);
        for (qsizetype i = 0; i < spans.size(); ++i) {
            QVERIFY(spans[i].tokenEstimate <= 80);
            if (i > 0)
                QVERIFY(spans[i].start >= spans[i - 1].end); // no overlap asked
        }
    }

    void emptyPageHasNoChunks()
    {
        ExtractedPage page;
        page.number = 4;
        QVERIFY(chunkPage(page, 10).isEmpty());
        page.text = QStringLiteral("  \n\n  ");
        QVERIFY(chunkPage(page, 10).isEmpty());
    }

    void extractedDocumentsChunkIntoTheirOwnText()
    {
        const QString markdown =
            QStringLiteral("# T\u00EFtle \U0001F600\n\n") +
            QStringLiteral("Some text with \U0001F600 emoji and caf\u00E9. ").repeated(300);
        const auto out = test::extract(markdown.toUtf8(), QStringLiteral("m.md"));
        QVERIFY2(out.result, qPrintable(out.error()));
        const QString text = out.text();
        const auto spans = chunkPage(out.pages[0], 0);
        QVERIFY(spans.size() > 2);
        QCOMPARE(spans[0].headingPath, QStringLiteral("T\u00EFtle \U0001F600"));
        for (const auto &span : spans)
            QCOMPARE(span.text, text.mid(span.start, span.end - span.start));
    }
};

QTEST_GUILESS_MAIN(TestChunker)
#include "test_chunker.moc"
