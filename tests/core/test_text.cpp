// core::truncateGraphemes: titles and quotes are cut where a reader sees a character boundary.
#include "core/text.h"

#include <QTest>

using agency::core::truncateGraphemes;

class TestText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shortTextIsKept()
    {
        QCOMPARE(truncateGraphemes(QStringLiteral("Hello"), 5), QStringLiteral("Hello"));
        QCOMPARE(truncateGraphemes(QString(), 5), QString());
    }

    void cutEndsWithEllipsis()
    {
        QCOMPARE(truncateGraphemes(QStringLiteral("abcdefgh"), 5), QStringLiteral("abcd") + QChar(0x2026));
        // White space before the cut is dropped.
        QCOMPARE(truncateGraphemes(QStringLiteral("abc defgh"), 5), QStringLiteral("abc") + QChar(0x2026));
    }

    void neverSplitsAGrapheme_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        const QString smile = QString::fromUtf8("\xF0\x9F\x98\x80"); // one surrogate pair
        const QString family = QString::fromUtf8("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"); // ZWJ
        const QString flag = QString::fromUtf8("\xF0\x9F\x87\xAB\xF0\x9F\x87\xB7");               // FR
        const QString accented = QStringLiteral("e") + QChar(0x0301);                             // é
        const QChar dots(0x2026);
        // Budget 5 units leaves 4 before the ellipsis: the pair would straddle units 3-4.
        QTest::newRow("surrogate pair")
            << QStringLiteral("abc") + smile + QStringLiteral("xyz") << QStringLiteral("abc") + dots;
        QTest::newRow("pair fits") << QStringLiteral("ab") + smile + QStringLiteral("xyz")
                                   << QStringLiteral("ab") + smile + dots;
        QTest::newRow("zwj sequence")
            << QStringLiteral("a") + family + QStringLiteral("xyz") << QStringLiteral("a") + dots;
        QTest::newRow("flag") << QStringLiteral("abc") + flag + QStringLiteral("xy")
                              << QStringLiteral("abc") + dots;
        QTest::newRow("combining accent")
            << QStringLiteral("abc") + accented + QStringLiteral("xy") << QStringLiteral("abc") + dots;
    }

    void neverSplitsAGrapheme()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        const QString cut = truncateGraphemes(text, 5);
        QCOMPARE(cut, expected);
        QVERIFY(cut.size() <= 5);
        // Valid UTF-16: it survives a round trip through UTF-8 unchanged.
        QCOMPARE(QString::fromUtf8(cut.toUtf8()), cut);
    }
};

QTEST_GUILESS_MAIN(TestText)
#include "test_text.moc"
