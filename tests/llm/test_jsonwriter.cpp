// JsonWriter: the request-body writer prints exactly what QJsonDocument prints for the same values
// (escaping of every kind of character, numbers, nesting), so writing JSON text directly changes no
// byte on the wire.
#include "llm/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTest>

#include <cmath>
#include <limits>

using namespace agency;
using namespace Qt::Literals::StringLiterals;

namespace {

/// QJsonDocument's text for `value` alone (taken out of a one-element array).
QByteArray qtJson(const QJsonValue &value)
{
    const QByteArray array = QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact);
    return array.mid(1, array.size() - 2);
}

QByteArray written(QStringView text)
{
    QByteArray out;
    llm::appendJsonString(out, text);
    return out;
}

/// A string of `length` UTF-16 units drawn from the classes that escape differently: printable
/// ASCII, quote and backslash, control characters, DEL, two- and three-byte UTF-8, line and
/// paragraph separators, surrogate pairs, and unpaired surrogates of both kinds.
QString randomText(QRandomGenerator &random, int length)
{
    QString text;
    while (text.size() < length) {
        switch (random.bounded(10)) {
        case 0:
            text += QChar(char16_t(random.bounded(0x20)));
            break;
        case 1:
            text += random.bounded(2) ? u'"' : u'\\';
            break;
        case 2:
            text += QChar(char16_t(0x80 + random.bounded(0x780)));
            break;
        case 3:
            text += QChar(char16_t(0x800 + random.bounded(0xd000 - 0x800)));
            break;
        case 4: {
            const char32_t code = 0x10000 + random.bounded(0x100000);
            text += QChar(QChar::highSurrogate(code));
            text += QChar(QChar::lowSurrogate(code));
            break;
        }
        case 5:
            text += QChar(char16_t(0xd800 + random.bounded(0x800))); // unpaired (mostly)
            break;
        case 6:
            text += random.bounded(2) ? u'\u2028' : u'\x7f';
            break;
        case 7:
            text += QChar(char16_t(0xe000 + random.bounded(0x2000)));
            break;
        default:
            text += QChar(char16_t(0x20 + random.bounded(0x5f)));
        }
    }
    return text;
}

} // namespace

class TestJsonWriter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void stringsEscapeLikeQJsonDocument_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("empty") << QString();
        QTest::newRow("plain") << u"Summarise the options for the client meeting."_s;
        QTest::newRow("escapes") << u"a\"b\\c\b\f\n\r\t\x01\x1f/\x7f"_s;
        QTest::newRow("utf-8") << u"café – 東京 😀"_s;
        QTest::newRow("lone high surrogate at end") << QString(QChar(char16_t(0xd83d)));
        QTest::newRow("lone low surrogate") << (u"x"_s + QChar(char16_t(0xde00)) + u"y"_s);
        QTest::newRow("high surrogate then text") << (QChar(char16_t(0xd83d)) + u"ab"_s);
        QTest::newRow("two high surrogates") << (QString(QChar(char16_t(0xd83d))) + QChar(char16_t(0xd83d)));
        // The writer works in blocks of 1,024 units: a pair split by a block's end, and a text
        // made only of units that expand the most.
        QTest::newRow("pair across a block end") << (QString(1023, u'a') + u"😀b"_s);
        QTest::newRow("long escapes") << QString(3000, QChar(char16_t(0x1)));
    }

    void stringsEscapeLikeQJsonDocument()
    {
        QFETCH(QString, text);
        QCOMPARE(written(text), qtJson(text));
    }

    void randomStringsEscapeLikeQJsonDocument()
    {
        QRandomGenerator random(12); // fixed seed: a failure reproduces
        for (int i = 0; i < 2000; ++i) {
            const QString text =
                randomText(random, i % 100 == 0 ? random.bounded(1000, 5000) : random.bounded(1, 40));
            const QByteArray expected = qtJson(text);
            if (written(text) != expected)
                QFAIL(qPrintable(u"case %1 differs: "_s.arg(i) +
                                 QString::fromLatin1(expected.toPercentEncoding())));
        }
    }

    void numbersPrintLikeQJsonDocument()
    {
        for (double number : {0.0, -0.0, 0.2, 0.25, 1.0, 2.0, 1e-7, 123456.789, 1e21, -3.5, 1.0 / 3.0}) {
            llm::JsonWriter w;
            w.value(number);
            QCOMPARE(w.bytes(), qtJson(number));
        }
        for (qint64 number : {qint64{0}, qint64{-1}, qint64{200}, qint64{1} << 53}) {
            llm::JsonWriter w;
            w.value(number);
            QCOMPARE(w.bytes(), qtJson(number));
        }
        llm::JsonWriter w;
        w.beginArray()
            .value(std::numeric_limits<double>::quiet_NaN())
            .value(std::numeric_limits<double>::infinity())
            .endArray();
        QCOMPARE(w.bytes(), QByteArray("[null,null]"));
    }

    void nestingPlacesCommasLikeQJsonDocument()
    {
        llm::JsonWriter w;
        w.beginObject()
            .key("a"_L1)
            .beginArray()
            .beginObject()
            .endObject()
            .beginArray()
            .endArray()
            .value(true)
            .null()
            .value(u"x"_s)
            .endArray()
            .key("b"_L1)
            .beginObject()
            .key("c"_L1)
            .value(false)
            .key("d"_L1)
            .raw(QByteArrayLiteral(R"({"e":[1,2]})"))
            .endObject()
            .key("f"_L1)
            .value("ascii"_L1)
            .endObject();
        const QJsonObject expected{
            {u"a"_s, QJsonArray{QJsonObject{}, QJsonArray{}, true, QJsonValue::Null, u"x"_s}},
            {u"b"_s, QJsonObject{{u"c"_s, false}, {u"d"_s, QJsonObject{{u"e"_s, QJsonArray{1, 2}}}}}},
            {u"f"_s, u"ascii"_s}};
        QCOMPARE(w.bytes(), QJsonDocument(expected).toJson(QJsonDocument::Compact));
    }
};

QTEST_GUILESS_MAIN(TestJsonWriter)
#include "test_jsonwriter.moc"
