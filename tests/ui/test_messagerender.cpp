// How a reply that is still streaming is rendered (ui/messagerender): cut into stretches only
// where Markdown allows it, the stretches together showing what one document of the whole text
// shows, and each update building at most the new stretch and the tail; quotes and tables styled
// apart from the text around them.
#include "ui/messagedocument.h"
#include "ui/messagerender.h"

#include <QApplication>
#include <QTest>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextList>
#include <QTextTable>

using namespace agency;
using agency::ui::MarkdownCutFinder;
using agency::ui::MessageRender;

namespace {

/// About `sections` × 600 characters of Markdown with headings, lists (one with a continuation
/// paragraph), fenced code holding blank lines, and tables.
QString longAnswer(int sections)
{
    QString text;
    for (int s = 0; s < sections; ++s) {
        text += QStringLiteral("## Part %1\n\nSome *prose* about option %1, with `inline code` and a "
                               "sentence long enough to wrap at a narrow width.\n\n")
                    .arg(s);
        text += QStringLiteral("1. First point\n\n   still the first point, indented\n2. Second point\n\n");
        text += QStringLiteral("```cpp\nint a = %1;\n\nint b = a * 2;\n```\n\n").arg(s);
        text += QStringLiteral("| item | cost |\n|---|---:|\n| x%1 | %1 |\n\n").arg(s);
    }
    return text;
}

/// The visible text of the stacked parts, one line per block.
QString partsText(const MessageRender &render)
{
    QStringList lines;
    for (const MessageRender::Part &part : render.parts()) {
        for (QTextBlock b = part.document->begin(); b.isValid(); b = b.next())
            lines.append(b.text());
    }
    return lines.join(QLatin1Char('\n'));
}

QString documentText(const QTextDocument &doc)
{
    QStringList lines;
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next())
        lines.append(b.text());
    return lines.join(QLatin1Char('\n'));
}

int codeBlocks(const QTextDocument &doc)
{
    int n = 0;
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next())
        n += ui::isCodeBlock(b) ? 1 : 0;
    return n;
}

ui::ThreadItem streamingReply()
{
    ui::ThreadItem item;
    item.uid = 1;
    item.role = core::Role::Assistant;
    item.streaming = true;
    return item;
}

} // namespace

class TestMessageRender : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void cutsOnlyBetweenBlocks();
    void streamingRenderShowsWhatOneDocumentShows();
    void eachUpdateBuildsOnlyTheNewStretchAndTheTail();
    void storedMessageIsOneDocument();
    void quotesAndTablesStandApart();
};

void TestMessageRender::cutsOnlyBetweenBlocks()
{
    const QString text =
        QStringLiteral("Intro\n\n```\ncode\n\nmore code\n```\n\n- item\n\n  continued\n\nEnd\n");
    MarkdownCutFinder finder;
    QList<qsizetype> cuts;
    // Fed a character at a time, as a stream would.
    for (qsizetype n = 1; n <= text.size(); ++n) {
        const qsizetype cut = finder.lastCut(text.left(n), cuts.isEmpty() ? 1 : cuts.last() + 1);
        if (cut >= 0)
            cuts.append(cut);
    }
    // After "Intro\n\n" (before the fence), after the fence (before "- item"), and before "End";
    // never inside the fence and never before the indented continuation.
    const QList<qsizetype> expected{text.indexOf(QStringLiteral("```")),
                                    text.indexOf(QStringLiteral("- item")),
                                    text.indexOf(QStringLiteral("End"))};
    QCOMPARE(cuts, expected);
}

void TestMessageRender::streamingRenderShowsWhatOneDocumentShows()
{
    const QString text = longAnswer(40);
    const QFont font = QApplication::font();
    const QPalette palette = QApplication::palette();
    ui::ThreadItem item = streamingReply();
    MessageRender render;
    for (qsizetype n = 0; n < text.size();) {
        n = std::min(text.size(), n + 97);
        item.content = text.left(n);
        ++item.revision;
        render.update(item, palette, font, 500);
    }
    QVERIFY2(render.parts().size() > 5, "a long reply is rendered in several parts");
    const auto whole = ui::buildMarkdownDocument(text, palette, font);
    QCOMPARE(partsText(render), documentText(*whole));
    int code = 0;
    for (const MessageRender::Part &part : render.parts())
        code += codeBlocks(*part.document);
    QCOMPARE(code, codeBlocks(*whole));
    // The parts are stacked without gaps or overlaps.
    for (std::size_t i = 1; i < render.parts().size(); ++i) {
        const MessageRender::Part &above = render.parts()[i - 1];
        QVERIFY(render.parts()[i].top > above.top);
        QVERIFY(render.parts()[i].top <= above.top + above.document->size().height());
    }
    QVERIFY(render.height() > render.parts().back().top);
}

void TestMessageRender::eachUpdateBuildsOnlyTheNewStretchAndTheTail()
{
    const QString text = longAnswer(60);
    ui::ThreadItem item = streamingReply();
    MessageRender render;
    int updates = 0;
    int built = 0;
    for (qsizetype n = 0; n < text.size();) {
        n = std::min(text.size(), n + 200);
        item.content = text.left(n);
        ++item.revision;
        const int now = render.update(item, QApplication::palette(), QApplication::font(), 500);
        QVERIFY2(now <= 2, qPrintable(QStringLiteral("update %1 built %2 documents").arg(updates).arg(now)));
        built += now;
        ++updates;
    }
    QCOMPARE(built, updates + static_cast<int>(render.parts().size()) - 1);
    // Nothing changed: nothing is built; another width only lays out again.
    QCOMPARE(render.update(item, QApplication::palette(), QApplication::font(), 500), 0);
    QCOMPARE(render.update(item, QApplication::palette(), QApplication::font(), 300), 0);
    QCOMPARE(render.parts().front().document->textWidth(), 300.0);
}

void TestMessageRender::storedMessageIsOneDocument()
{
    ui::ThreadItem item = streamingReply();
    item.streaming = false;
    item.content = longAnswer(20);
    MessageRender render;
    QCOMPARE(render.update(item, QApplication::palette(), QApplication::font(), 500), 1);
    QCOMPARE(render.parts().size(), std::size_t{1});
    QCOMPARE(documentText(*render.parts().front().document),
             documentText(
                 *ui::buildMarkdownDocument(item.content, QApplication::palette(), QApplication::font())));
}

void TestMessageRender::quotesAndTablesStandApart()
{
    QPalette palette;
    palette.setColor(QPalette::Base, Qt::white);
    palette.setColor(QPalette::Text, Qt::black);
    const auto doc =
        ui::buildMarkdownDocument(QStringLiteral("1. first point\n2. second point\n\n"
                                                 "> a quoted remark\n\n"
                                                 "| item | cost |\n|---|---:|\n| room | 120 |\n"),
                                  palette, QApplication::font());
    QTextBlock item = doc->begin();
    while (item.isValid() && !item.text().contains(QStringLiteral("second point")))
        item = item.next();
    QVERIFY(item.isValid() && item.textList());
    QTextBlock quote = item.next();
    while (quote.isValid() && !quote.text().contains(QStringLiteral("quoted remark")))
        quote = quote.next();
    QVERIFY(quote.isValid());
    // The quote is not a list item: set off from the list by space, a bar and muted italics.
    QVERIFY(!quote.textList());
    QVERIFY(quote.blockFormat().topMargin() >= 8);
    QVERIFY(ui::quoteBarX(quote) > 0);
    QCOMPARE(ui::quoteBarX(item), 0.0);
    QTextCursor inQuote(quote);
    inQuote.movePosition(QTextCursor::NextCharacter);
    QVERIFY(inQuote.charFormat().fontItalic());
    const QColor quoteText = inQuote.charFormat().foreground().color();
    QVERIFY2(quoteText.lightness() > 40 && quoteText.lightness() < 200, qPrintable(quoteText.name()));

    // The table: one hairline between cells (not two raised frames), room inside each cell, and
    // a shaded header row.
    QTextCursor cell = doc->find(QStringLiteral("room"));
    QVERIFY(!cell.isNull());
    QTextTable *table = cell.currentTable();
    QVERIFY(table);
    const QTextTableFormat format = table->format();
    QVERIFY(format.borderCollapse());
    QCOMPARE(format.cellSpacing(), 0.0);
    QVERIFY(format.cellPadding() >= 4);
    QCOMPARE(format.borderStyle(), QTextFrameFormat::BorderStyle_Solid);
    QVERIFY(table->cellAt(0, 0).format().background().style() != Qt::NoBrush);
    QCOMPARE(table->cellAt(1, 0).format().background().style(), Qt::NoBrush);
    // Header texts on one line, bold: no empty paragraph or margin sinks one below the others.
    for (int column = 0; column < 2; ++column) {
        const QTextTableCell header = table->cellAt(0, column);
        QTextCursor text = header.lastCursorPosition();
        QCOMPARE(text.blockFormat().topMargin(), 0.0);
        // Above the text, only what takes no height.
        for (QTextBlock b = header.firstCursorPosition().block(); b != text.block(); b = b.next())
            QVERIFY(b.text().isEmpty() && b.blockFormat().lineHeightType() == QTextBlockFormat::FixedHeight &&
                    b.blockFormat().lineHeight() == 0);
        QVERIFY(text.charFormat().fontWeight() >= QFont::Bold);
    }
}

QTEST_MAIN(TestMessageRender)
#include "test_messagerender.moc"
