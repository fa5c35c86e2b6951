// The server's front door over the real routes: GET / for a first look (HTML for a browser, JSON
// otherwise, public, in the OpenAPI document), and pipelined requests of two tenants on one
// connection answered in request order, a later `Connection: close` dropping nothing.
#include "serverfixture.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;
using agency::test::RawHttpClient;
using agency::test::RawResponse;
namespace openai = agency::test::openai;

class TestFrontDoor : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.startServer(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void rootAnswersJsonWithoutAKey();
    void rootAnswersHtmlToABrowser();
    void rootIsInTheOpenApiDocument();
    void pipelinedTenantsAreAnsweredInRequestOrder();

private:
    RawResponse getRoot(const QByteArray &accept)
    {
        RawHttpClient client;
        if (!client.connectTo(m_fx.port()))
            return {};
        QList<QPair<QByteArray, QByteArray>> headers;
        if (!accept.isEmpty())
            headers.append({QByteArrayLiteral("Accept"), accept});
        client.send("GET", "/", {}, headers);
        return client.takeResponse();
    }

    test::ServerFixture m_fx;
};

void TestFrontDoor::rootAnswersJsonWithoutAKey()
{
    for (const char *accept : {"", "*/*", "application/json"}) {
        const RawResponse r = getRoot(accept);
        QCOMPARE(r.status, 200);
        QVERIFY(r.header("Content-Type").startsWith("application/json"));
        const QJsonObject home = r.json();
        QCOMPARE(home[QStringLiteral("version")].toString(), QStringLiteral(AGENCY_VERSION));
        QCOMPARE(home[QStringLiteral("health")].toString(), QStringLiteral("/health"));
        QCOMPARE(home[QStringLiteral("openapi")].toString(), QStringLiteral("/openapi.json"));
        QCOMPARE(home[QStringLiteral("openai_base_url")].toString(), QStringLiteral("/v1"));
        QCOMPARE(home[QStringLiteral("docs")].toString(), QStringLiteral("docs/http-api.md"));
    }
}

void TestFrontDoor::rootAnswersHtmlToABrowser()
{
    // What Firefox and Chromium send.
    const RawResponse r =
        getRoot("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8");
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("Content-Type").startsWith("text/html"));
    for (const QByteArray &part :
         {QByteArrayLiteral(AGENCY_VERSION), QByteArrayLiteral("/health"), QByteArrayLiteral("/openapi.json"),
          QByteArrayLiteral("/v1"), QByteArrayLiteral("docs/http-api.md"), QByteArrayLiteral("keys create")})
        QVERIFY2(r.body.contains(part), part.constData());
}

void TestFrontDoor::rootIsInTheOpenApiDocument()
{
    const RawResponse r = m_fx.request("GET", "/openapi.json");
    QCOMPARE(r.status, 200);
    const QJsonObject root =
        r.json()[QStringLiteral("paths")][QStringLiteral("/")][QStringLiteral("get")].toObject();
    QVERIFY(!root.isEmpty());
    QVERIFY(root[QStringLiteral("security")].toArray().isEmpty()); // public
}

void TestFrontDoor::pipelinedTenantsAreAnsweredInRequestOrder()
{
    const QByteArray otherKey = m_fx.http().createKey(QStringLiteral("globex")).toLatin1();
    QVERIFY(!otherKey.isEmpty());
    // Tenant acme's chat waits at the provider; tenant globex's GET is ready at once.
    m_fx.llm().enqueue(openai::streamReply({QStringLiteral("slow "), QStringLiteral("answer")}, {},
                                           core::Usage{12, 7, 19}, 300));
    const QByteArray chat = QJsonDocument(QJsonObject{{QStringLiteral("message"), QStringLiteral("Hi")}})
                                .toJson(QJsonDocument::Compact);
    const QByteArray requests =
        "POST /weather/chat HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + m_fx.key() +
        "\r\nContent-Type: application/json\r\nContent-Length: " + QByteArray::number(chat.size()) +
        "\r\n\r\n" + chat + "GET /conversations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + otherKey +
        "\r\nConnection: close\r\n\r\n";
    RawHttpClient client;
    QVERIFY(client.connectTo(m_fx.port()));
    client.sendRaw(requests); // one write
    const RawResponse first = client.takeResponse(30000);
    QCOMPARE(first.status, 200);
    QCOMPARE(first.json()[QStringLiteral("response")].toString(), QStringLiteral("slow answer"));
    const RawResponse second = client.takeResponse(30000);
    QCOMPARE(second.status, 200);
    QVERIFY2(second.json().contains(QStringLiteral("items")), second.body.constData());
    QTRY_VERIFY(!client.isConnected()); // closed after both answers
    // The chat was not cancelled by the close its successor asked for: it is stored.
    const QUuid id(first.json()[QStringLiteral("conversation_id")].toString());
    QCOMPARE(test::roles(m_fx.stored(id)), QStringLiteral("user,assistant"));
}

QTEST_GUILESS_MAIN(TestFrontDoor)
#include "test_frontdoor.moc"
