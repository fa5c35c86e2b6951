// core::parseUuid: ids typed or pasted by a person (console, CLI) and sent by API clients. A
// character after the id names another record to a reader, so it is refused, never ignored.
#include "core/validation.h"

#include <QTest>

using agency::core::ErrorCode;
using agency::core::isCanonicalUuid;
using agency::core::parseUuid;

class TestIds : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptedForms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("canonical") << QStringLiteral("123e4567-e89b-12d3-a456-426614174000");
        QTest::newRow("upper case") << QStringLiteral("123E4567-E89B-12D3-A456-426614174000");
        QTest::newRow("braces") << QStringLiteral("{123e4567-e89b-12d3-a456-426614174000}");
        QTest::newRow("pasted with spaces") << QStringLiteral("  123e4567-e89b-12d3-a456-426614174000\n");
    }
    void acceptedForms()
    {
        QFETCH(QString, text);
        const auto id = parseUuid(text, QStringLiteral("document_id"));
        QVERIFY(id.ok());
        QCOMPARE(id->toString(QUuid::WithoutBraces), QStringLiteral("123e4567-e89b-12d3-a456-426614174000"));
    }

    void refusedForms_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("trailing junk") << QStringLiteral("123e4567-e89b-12d3-a456-426614174000xyz");
        QTest::newRow("junk after braces") << QStringLiteral("{123e4567-e89b-12d3-a456-426614174000}x");
        QTest::newRow("one brace") << QStringLiteral("{123e4567-e89b-12d3-a456-426614174000");
        QTest::newRow("no dashes") << QStringLiteral("123e4567e89b12d3a456426614174000");
        QTest::newRow("not hex") << QStringLiteral("123e4567-e89b-12d3-a456-42661417400g");
        QTest::newRow("nil") << QStringLiteral("00000000-0000-0000-0000-000000000000");
        QTest::newRow("empty") << QString();
    }
    void refusedForms()
    {
        QFETCH(QString, text);
        const auto id = parseUuid(text, QStringLiteral("document_id"));
        QVERIFY(!id.ok());
        QCOMPARE(id.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(id.error().message.startsWith(QStringLiteral("document_id: must be a UUID")),
                 qPrintable(id.error().message));
    }

    void canonicalMeansNothingAround()
    {
        QVERIFY(isCanonicalUuid(QStringLiteral("123e4567-e89b-12d3-a456-426614174000")));
        QVERIFY(!isCanonicalUuid(QStringLiteral(" 123e4567-e89b-12d3-a456-426614174000")));
        QVERIFY(!isCanonicalUuid(QStringLiteral("{123e4567-e89b-12d3-a456-426614174000}")));
    }
};

QTEST_GUILESS_MAIN(TestIds)
#include "test_ids.moc"
