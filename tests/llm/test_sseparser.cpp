// The shared SSE parser: the same stream must give the same events however the network splits it.
#include "llm/sseparser.h"

#include <QTest>

using agency::llm::SseEvent;
using agency::llm::SseParser;

namespace {

QList<SseEvent> parseInPieces(const QByteArray &stream, const QList<qsizetype> &cuts)
{
    SseParser parser;
    QList<SseEvent> events;
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        events += parser.feed(stream.mid(from, cut - from));
        from = cut;
    }
    events += parser.feed(stream.mid(from));
    events += parser.finish();
    return events;
}

QString describe(const QList<SseEvent> &events)
{
    QStringList out;
    for (const SseEvent &e : events)
        out.append(QStringLiteral("[%1|%2|%3]").arg(e.event, e.data, e.id));
    return out.join(u' ');
}

// Every line-ending style, a comment, a multi-line event, a named event with an id, a field with
// no space after the colon, a UTF-8 payload (multi-byte characters get split too), and [DONE].
const QByteArray kMixedStream = ": keep-alive comment\r\n"
                                "data: {\"a\":1}\r\n"
                                "\r\n"
                                "event: delta\n"
                                "id: 7\n"
                                "data: first line\n"
                                "data: second line\n"
                                "\n"
                                "data:no-space\r"
                                "\r"
                                "data: h\xc3\xa9llo \xe2\x82\xac\r\n"
                                "\r\n"
                                "data: [DONE]\n"
                                "\n";

const QList<SseEvent> kMixedExpected = {
    {QString(), QStringLiteral("{\"a\":1}"), QString()},
    {QStringLiteral("delta"), QStringLiteral("first line\nsecond line"), QStringLiteral("7")},
    {QString(), QStringLiteral("no-space"), QStringLiteral("7")},
    {QString(), QStringLiteral("h\u00e9llo \u20ac"), QStringLiteral("7")},
    {QString(), QStringLiteral("[DONE]"), QStringLiteral("7")},
};

} // namespace

class TestSseParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void wholeStream()
    {
        const QList<SseEvent> events = parseInPieces(kMixedStream, {});
        QCOMPARE(describe(events), describe(kMixedExpected));
        QVERIFY(events.last().isDone());
    }

    void everyTwoWaySplit()
    {
        for (qsizetype cut = 0; cut <= kMixedStream.size(); ++cut) {
            const QList<SseEvent> events = parseInPieces(kMixedStream, {cut});
            QVERIFY2(events == kMixedExpected,
                     qPrintable(QStringLiteral("split at %1: %2").arg(cut).arg(describe(events))));
        }
    }

    void everyThreeWaySplit()
    {
        for (qsizetype a = 0; a <= kMixedStream.size(); ++a) {
            for (qsizetype b = a; b <= kMixedStream.size(); ++b) {
                const QList<SseEvent> events = parseInPieces(kMixedStream, {a, b});
                if (events != kMixedExpected)
                    QFAIL(
                        qPrintable(QStringLiteral("split at %1,%2: %3").arg(a).arg(b).arg(describe(events))));
            }
        }
    }

    void byteByByte()
    {
        QList<qsizetype> cuts;
        for (qsizetype i = 1; i < kMixedStream.size(); ++i)
            cuts.append(i);
        QCOMPARE(describe(parseInPieces(kMixedStream, cuts)), describe(kMixedExpected));
    }

    void crlfSplitBetweenPacketsIsOneLineEnd()
    {
        // "\r" at the end of one packet and "\n" at the start of the next must not make an empty line.
        SseParser parser;
        QList<SseEvent> events = parser.feed("data: x\r");
        events += parser.feed("\ndata: y\r");
        events += parser.feed("\n\r");
        events += parser.feed("\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, QStringLiteral("x\ny"));
    }

    void lastEventWithoutBlankLineIsDispatchedAtEnd()
    {
        SseParser parser;
        QVERIFY(parser.feed("data: one\n\ndata: two").size() == 1);
        QVERIFY(parser.hasPending());
        const QList<SseEvent> tail = parser.finish();
        QCOMPARE(tail.size(), 1);
        QCOMPARE(tail.first().data, QStringLiteral("two"));
        QVERIFY(!parser.hasPending());
    }

    void commentsAndFieldsWithoutDataAreNotEvents()
    {
        SseParser parser;
        const QList<SseEvent> events = parser.feed(": ping\n\nevent: nothing\n\nretry: 100\n\n: bye\n\n");
        QVERIFY2(events.isEmpty(), qPrintable(describe(events)));
        QVERIFY(parser.finish().isEmpty());
    }

    void emptyDataLineMakesEmptyEvent()
    {
        SseParser parser;
        const QList<SseEvent> events = parser.feed("data\n\ndata:\ndata:\n\n");
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).data, QString());
        QCOMPARE(events.at(1).data, QStringLiteral("\n"));
    }

    void onlyOneLeadingSpaceIsDropped()
    {
        SseParser parser;
        const QList<SseEvent> events = parser.feed("data:   indented\n\n");
        QCOMPARE(events.size(), 1);
        QCOMPARE(events.first().data, QStringLiteral("  indented"));
    }

    void resetForgetsPartialInput()
    {
        SseParser parser;
        parser.feed("data: half");
        parser.reset();
        QVERIFY(parser.feed("data: whole\n\n").first().data == QStringLiteral("whole"));
    }
};

QTEST_GUILESS_MAIN(TestSseParser)
#include "test_sseparser.moc"
