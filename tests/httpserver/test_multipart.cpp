// The strict multipart/form-data parser of document uploads (httpserver/multipart.h): what a
// browser, curl and the CLI send parses; every malformed body is BadRequest, never a crash.
#include "httpserver/multipart.h"

#include <QTest>

using namespace agency;
using httpserver::FormPart;

class TestMultipart : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void boundaryFromContentType();
    void parsesFileAndField();
    void binaryBodyKeepsEveryByte();
    void malformedBodies_data();
    void malformedBodies();
    void tooManyParts();
};

namespace {

const QByteArray kBoundary = "----agencyB0undary";

QByteArray form(const QList<QByteArray> &parts)
{
    QByteArray body;
    for (const QByteArray &part : parts)
        body += "--" + kBoundary + "\r\n" + part + "\r\n";
    return body + "--" + kBoundary + "--\r\n";
}

} // namespace

void TestMultipart::boundaryFromContentType()
{
    auto plain = httpserver::formDataBoundary("multipart/form-data; boundary=abc");
    QVERIFY(plain && plain->has_value());
    QCOMPARE(plain->value(), QByteArray("abc"));
    auto quoted = httpserver::formDataBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b;c\"");
    QVERIFY(quoted && quoted->has_value());
    QCOMPARE(quoted->value(), QByteArray("a b;c"));
    auto other = httpserver::formDataBoundary("application/json");
    QVERIFY(other && !other->has_value()); // the caller answers 415
    auto none = httpserver::formDataBoundary("multipart/form-data");
    QVERIFY(!none);
    QCOMPARE(none.error().code, core::ErrorCode::BadRequest);
    auto tooLong = httpserver::formDataBoundary("multipart/form-data; boundary=" + QByteArray(71, 'x'));
    QVERIFY(!tooLong);
}

void TestMultipart::parsesFileAndField()
{
    const QByteArray body =
        "preamble to ignore\r\n" +
        form({"Content-Disposition: form-data; name=\"collection\"\r\n\r\nclients",
              "Content-Disposition: form-data; name=\"file\"; filename=\"C:\\\\docs\\\\brief.txt\"\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\nline one\r\nline two",
              "content-disposition: form-data; name=\"other\"; filename*=UTF-8''r%C3%A9sum%C3%A9.md\r\n\r\n# "
              "hi"});
    auto parts = httpserver::parseFormData(body, kBoundary);
    QVERIFY2(parts, qPrintable(parts ? QString() : parts.error().message));
    QCOMPARE(parts->size(), 3);
    const FormPart &collection = parts->at(0);
    QCOMPARE(collection.name, QStringLiteral("collection"));
    QVERIFY(!collection.isFile);
    QCOMPARE(collection.body, QByteArray("clients"));
    QCOMPARE(collection.contentType, QByteArray("text/plain"));
    const FormPart &file = parts->at(1);
    QVERIFY(file.isFile);
    QCOMPARE(file.fileName, QStringLiteral("brief.txt")); // the path a browser may send is dropped
    QCOMPARE(file.contentType, QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(file.body, QByteArray("line one\r\nline two"));
    QCOMPARE(parts->at(2).fileName, QStringLiteral("résumé.md"));
}

void TestMultipart::binaryBodyKeepsEveryByte()
{
    QByteArray bytes;
    for (int i = 0; i < 4096; ++i)
        bytes += char(i * 7 % 256);
    bytes += "\r\n--" + kBoundary.left(5) + "\r\n"; // a near-boundary inside the content
    const QByteArray body = form({"Content-Disposition: form-data; name=\"file\"; filename=\"a.bin\"\r\n"
                                  "Content-Type: application/octet-stream\r\n\r\n" +
                                  bytes});
    auto parts = httpserver::parseFormData(body, kBoundary);
    QVERIFY(parts);
    QCOMPARE(parts->value(0).body, bytes);
}

void TestMultipart::malformedBodies_data()
{
    QTest::addColumn<QByteArray>("body");
    const QByteArray disposition =
        "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n";
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("no boundary in body") << QByteArray("just some bytes");
    QTest::newRow("no closing delimiter") << "--" + kBoundary + "\r\n" + disposition + "abc";
    QTest::newRow("closing delimiter only") << "--" + kBoundary + "--\r\n";
    QTest::newRow("bare LF after delimiter")
        << "--" + kBoundary + "\n" + disposition + "abc\r\n--" + kBoundary + "--";
    QTest::newRow("bare LF in headers")
        << "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"\n\r\nabc\r\n--" + kBoundary +
               "--";
    QTest::newRow("headers never end")
        << "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"f\"\r\n";
    QTest::newRow("no disposition") << form({"Content-Type: text/plain\r\n\r\nabc"});
    QTest::newRow("not form-data") << form({"Content-Disposition: attachment; name=\"file\"\r\n\r\nabc"});
    QTest::newRow("no name") << form({"Content-Disposition: form-data; filename=\"a.txt\"\r\n\r\nabc"});
    QTest::newRow("header without colon") << form({"Content-Disposition form-data\r\n\r\nabc"});
    QTest::newRow("bad filename*") << form(
        {"Content-Disposition: form-data; name=\"f\"; filename*=latin1''x\r\n\r\na"});
    QTest::newRow("garbage after delimiter")
        << "--" + kBoundary + "xyz\r\n" + disposition + "a\r\n--" + kBoundary + "--";
}

void TestMultipart::malformedBodies()
{
    QFETCH(QByteArray, body);
    auto parts = httpserver::parseFormData(body, kBoundary);
    QVERIFY(!parts);
    QCOMPARE(parts.error().code, core::ErrorCode::BadRequest);
    QVERIFY(parts.error().message.startsWith(QStringLiteral("malformed multipart/form-data body: ")));
}

void TestMultipart::tooManyParts()
{
    QList<QByteArray> many;
    for (int i = 0; i < 5; ++i)
        many.append("Content-Disposition: form-data; name=\"f" + QByteArray::number(i) + "\"\r\n\r\nx");
    QVERIFY(httpserver::parseFormData(form(many), kBoundary, 5));
    auto refused = httpserver::parseFormData(form(many), kBoundary, 4);
    QVERIFY(!refused);
    QVERIFY(refused.error().message.contains(QStringLiteral("more than 4 parts")));
}

QTEST_GUILESS_MAIN(TestMultipart)
#include "test_multipart.moc"
