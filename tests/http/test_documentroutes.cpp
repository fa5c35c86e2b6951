// /documents, /search, /v1/embeddings and cited chat answers end to end: the in-process server on
// port 0 over the real backend (knowledge base, demo embedding, real PostgreSQL), read with a raw
// socket client. Multipart uploads, isolation between tenants (404), roles, 413/415/400/422.
#include "serverfixture.h"

#include "knowledge/knowledgebase.h"
#include "runtime/backend.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;
using agency::test::RawResponse;

namespace {

const QByteArray kBoundary = "xXkfrontBoundaryXx";
const QByteArray kPassage = "The steering committee approved a migration budget of 480000 euros for 2027.";

QByteArray multipart(const QList<std::tuple<QByteArray, QByteArray, QByteArray>> &parts)
{
    QByteArray body;
    for (const auto &[name, fileName, content] : parts) {
        body += "--" + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
        if (!fileName.isEmpty())
            body += "; filename=\"" + fileName + "\"\r\nContent-Type: text/plain";
        body += "\r\n\r\n" + content + "\r\n";
    }
    return body + "--" + kBoundary + "--\r\n";
}

const QPair<QByteArray, QByteArray> kFormType{"Content-Type", "multipart/form-data; boundary=" + kBoundary};
const QPair<QByteArray, QByteArray> kJsonType{"Content-Type", "application/json"};

} // namespace

class TestDocumentRoutes : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;

    RawResponse as(const QByteArray &key, const QByteArray &method, const QByteArray &path,
                   const QByteArray &body = {}, QList<QPair<QByteArray, QByteArray>> headers = {})
    {
        headers.append({"Authorization", "Bearer " + key});
        return m_fx.request(method, path, body, headers);
    }
    QString upload(const QByteArray &fileName, const QByteArray &content, const QByteArray &collection = {})
    {
        QList<std::tuple<QByteArray, QByteArray, QByteArray>> parts{{"file", fileName, content}};
        if (!collection.isEmpty())
            parts.append({"collection", {}, collection});
        const RawResponse r = m_fx.request("POST", "/documents", multipart(parts), {kFormType});
        if (r.status != 202)
            qWarning("upload: %d %s", r.status, r.body.constData());
        return r.json().value(QStringLiteral("document_id")).toString();
    }
    /// Polls until the document is ready or failed; its last JSON.
    QJsonObject waitFinal(const QString &id)
    {
        QJsonObject d;
        (void)QTest::qWaitFor(
            [&] {
                d = m_fx.request("GET", "/documents/" + id.toLatin1()).json();
                const QString s = d.value(QStringLiteral("status")).toString();
                return s == QLatin1String("ready") || s == QLatin1String("failed");
            },
            30000);
        return d;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void init()
    {
        httpserver::ServerConfig config;
        config.maxBodyBytes = 64 * 1024;
        config.uploadPaths = {QByteArrayLiteral("/documents")};
        config.maxUploadBodyBytes = 512 * 1024;
        QVERIFY2(m_fx.startServer({{QStringLiteral("DOCUMENT_MAX_BYTES"), QStringLiteral("300000")},
                                   {QStringLiteral("EMBEDDING_PROVIDER"), QStringLiteral("demo")}},
                                  config),
                 qPrintable(m_fx.error()));
        m_fx.engine().backend().knowledge().startIngestion();
    }
    void cleanup() { m_fx.stopServer(); }

    void uploadListReadSearchDelete()
    {
        const RawResponse added = m_fx.request(
            "POST", "/documents?tenant_id=acme",
            multipart({{"file", "plan.txt", "Project plan.\n\n" + kPassage}, {"collection", {}, "clients"}}),
            {kFormType});
        QCOMPARE(added.status, 202);
        const QJsonObject doc = added.json();
        const QString id = doc.value(QStringLiteral("document_id")).toString();
        QVERIFY(!QUuid::fromString(id).isNull());
        QCOMPARE(doc.value(QStringLiteral("collection")).toString(), QStringLiteral("clients"));
        QCOMPARE(doc.value(QStringLiteral("file_name")).toString(), QStringLiteral("plan.txt"));
        QCOMPARE(doc.value(QStringLiteral("duplicate")).toBool(true), false);
        QCOMPARE(added.header("Location"), "/documents/" + id.toLatin1());

        const QJsonObject ready = waitFinal(id);
        QCOMPARE(ready.value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        QVERIFY(ready.value(QStringLiteral("chunk_count")).toInt() >= 1);

        const QJsonArray items = m_fx.request("GET", "/documents?collection=clients")
                                     .json()
                                     .value(QStringLiteral("items"))
                                     .toArray();
        QCOMPARE(items.size(), 1);
        QCOMPARE(m_fx.request("GET", "/documents?collection=other")
                     .json()
                     .value(QStringLiteral("items"))
                     .toArray()
                     .size(),
                 0);
        QCOMPARE(m_fx.request("GET", "/documents?status=failed")
                     .json()
                     .value(QStringLiteral("items"))
                     .toArray()
                     .size(),
                 0);
        QCOMPARE(m_fx.request("GET", "/documents?status=done").status, 422);

        const RawResponse content = m_fx.request("GET", "/documents/" + id.toLatin1() + "/content");
        QCOMPARE(content.status, 200);
        QCOMPARE(content.body, "Project plan.\n\n" + kPassage);
        QVERIFY(content.header("Content-Disposition").contains("filename=\"plan.txt\""));

        const RawResponse found =
            m_fx.request("POST", "/search", R"({"query":"migration budget euros","k":3})", {kJsonType});
        QCOMPARE(found.status, 200);
        const QJsonArray hits = found.json().value(QStringLiteral("hits")).toArray();
        QVERIFY(!hits.isEmpty());
        const QJsonObject top = hits.at(0).toObject();
        QCOMPARE(top.value(QStringLiteral("document_id")).toString(), id);
        QVERIFY(top.value(QStringLiteral("text")).toString().contains(QStringLiteral("480000 euros")));
        QCOMPARE(found.json().value(QStringLiteral("indexing")).toInt(), 0);

        // A member may not delete; a tenant admin may.
        QCOMPARE(m_fx.request("DELETE", "/documents/" + id.toLatin1()).status, 403);
        const QByteArray admin =
            m_fx.http().createKey(QStringLiteral("acme"), core::KeyRole::Admin).toLatin1();
        QCOMPARE(as(admin, "DELETE", "/documents/" + id.toLatin1()).status, 204);
        QCOMPARE(m_fx.request("GET", "/documents/" + id.toLatin1()).status, 404);
    }

    void anotherTenantSeesNothing()
    {
        const QString id = upload("a.txt", kPassage);
        QVERIFY(!id.isEmpty());
        QCOMPARE(waitFinal(id).value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        const QByteArray other = m_fx.http().createKey(QStringLiteral("globex")).toLatin1();
        QCOMPARE(as(other, "GET", "/documents/" + id.toLatin1()).status, 404);
        QCOMPARE(as(other, "GET", "/documents/" + id.toLatin1() + "/content").status, 404);
        QCOMPARE(as(other, "GET", "/documents").json().value(QStringLiteral("items")).toArray().size(), 0);
        const RawResponse search =
            as(other, "POST", "/search", R"({"query":"migration budget"})", {kJsonType});
        QCOMPARE(search.status, 200);
        QCOMPARE(search.json().value(QStringLiteral("hits")).toArray().size(), 0);
        // Naming the other tenant with a tenant key is refused.
        QCOMPARE(as(other, "GET", "/documents?tenant_id=acme").status, 403);
        QCOMPARE(as(other, "DELETE", "/documents/" + id.toLatin1()).status, 403); // a member
        QCOMPARE(m_fx.request("GET", "/documents/" + id.toLatin1()).status, 200);
    }

    void badUploadsAreRefusedClearly()
    {
        QCOMPARE(m_fx.request("POST", "/documents", R"({"file":"x"})", {kJsonType}).status, 415);
        const RawResponse malformed =
            m_fx.request("POST", "/documents", "--" + kBoundary + "\r\nno end", {kFormType});
        QCOMPARE(malformed.status, 400);
        QVERIFY(malformed.json()
                    .value(QStringLiteral("error"))
                    .toObject()
                    .value(QStringLiteral("message"))
                    .toString()
                    .contains(QStringLiteral("multipart")));
        QCOMPARE(m_fx.request("POST", "/documents", multipart({{"collection", {}, "c"}}), {kFormType}).status,
                 422);
        const RawResponse unknown = m_fx.request(
            "POST", "/documents", multipart({{"file", "a.txt", "x"}, {"colection", {}, "c"}}), {kFormType});
        QCOMPARE(unknown.status, 422);
        QCOMPARE(unknown.json()
                     .value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("details"))
                     .toObject()
                     .value(QStringLiteral("field"))
                     .toString(),
                 QStringLiteral("colection"));
        QCOMPARE(
            m_fx.request("POST", "/documents", multipart({{"file", "empty.txt", ""}}), {kFormType}).status,
            422);
        QCOMPARE(
            m_fx.request("POST", "/documents", "--x--", {{"Content-Type", "multipart/form-data"}}).status,
            400);
        // Over DOCUMENT_MAX_BYTES (300000), within the upload body limit: the service refuses it.
        QCOMPARE(m_fx.request("POST", "/documents",
                              multipart({{"file", "big.txt", QByteArray(400'000, 'a')}}), {kFormType})
                     .status,
                 413);
        // Over the upload body limit: refused from the announced length.
        QCOMPARE(m_fx.request("POST", "/documents",
                              multipart({{"file", "huge.txt", QByteArray(600'000, 'a')}}), {kFormType})
                     .status,
                 413);
        // Uploads may exceed HTTP_MAX_BODY_BYTES (64 KiB here); other routes may not.
        const QString id = upload("mid.txt", QByteArray(100'000, 'b') + ' ' + kPassage);
        QVERIFY(!id.isEmpty());
        QCOMPARE(m_fx.request("POST", "/search", QByteArray(100'000, ' ') + R"({"query":"x"})", {kJsonType})
                     .status,
                 413);
        QCOMPARE(m_fx.request("POST", "/search", R"({"query":"x","k":0})", {kJsonType}).status, 422);
        QCOMPARE(m_fx.request("POST", "/search", R"({"query":"x","top":3})", {kJsonType}).status, 422);
        QCOMPARE(m_fx.request("GET", "/documents/not-a-uuid").status, 422);
        // Nothing was lost: the good upload is there.
        QCOMPARE(m_fx.request("GET", "/documents/" + id.toLatin1()).status, 200);
    }

    void embeddingsSpeakOpenAi()
    {
        const RawResponse floats = m_fx.request(
            "POST", "/v1/embeddings",
            R"({"input":["first text","second text"],"model":"demo/demo-embedding"})", {kJsonType});
        QCOMPARE(floats.status, 200);
        const QJsonObject body = floats.json();
        QCOMPARE(body.value(QStringLiteral("object")).toString(), QStringLiteral("list"));
        const QJsonArray data = body.value(QStringLiteral("data")).toArray();
        QCOMPARE(data.size(), 2);
        QCOMPARE(data.at(1).toObject().value(QStringLiteral("index")).toInt(), 1);
        const QJsonArray vector = data.at(0).toObject().value(QStringLiteral("embedding")).toArray();
        QVERIFY(vector.size() > 8);
        double norm = 0;
        for (const QJsonValue &v : vector)
            norm += v.toDouble() * v.toDouble();
        QVERIFY(qAbs(norm - 1.0) < 1e-3);
        QVERIFY(
            body.value(QStringLiteral("usage")).toObject().value(QStringLiteral("prompt_tokens")).toInt() >
            0);

        const RawResponse b64 =
            m_fx.request("POST", "/v1/embeddings",
                         R"({"input":"first text","model":"demo/demo-embedding","encoding_format":"base64"})",
                         {kJsonType});
        QCOMPARE(b64.status, 200);
        const QByteArray raw = QByteArray::fromBase64(b64.json()
                                                          .value(QStringLiteral("data"))
                                                          .toArray()
                                                          .at(0)
                                                          .toObject()
                                                          .value(QStringLiteral("embedding"))
                                                          .toString()
                                                          .toLatin1());
        QCOMPARE(raw.size(), vector.size() * 4);

        const RawResponse tokens = m_fx.request(
            "POST", "/v1/embeddings", R"({"input":[1,2,3],"model":"demo/demo-embedding"})", {kJsonType});
        QCOMPARE(tokens.status, 400);
        const QJsonObject error = tokens.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
        QVERIFY(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("token arrays")));
        QCOMPARE(m_fx.request("POST", "/v1/embeddings",
                              R"({"input":"x","model":"demo/demo-embedding","dimensions":3})", {kJsonType})
                     .status,
                 400);
        QCOMPARE(m_fx.request("POST", "/v1/embeddings", R"({"input":"x"})", {kJsonType}).status, 400);
        QCOMPARE(m_fx.request("POST", "/v1/embeddings", R"({"input":"","model":"m"})", {kJsonType}).status,
                 400);
    }

    void demoAnswerCitesThePassage()
    {
        const QString id = upload("plan.txt", "Project plan.\n\n" + kPassage);
        QCOMPARE(waitFinal(id).value(QStringLiteral("status")).toString(), QStringLiteral("ready"));
        const RawResponse chat = m_fx.request(
            "POST", "/chat/consulting",
            R"({"message":"What migration budget did the steering committee approve?","provider":"demo"})",
            {kJsonType});
        QCOMPARE(chat.status, 200);
        const QJsonObject answer = chat.json();
        const QString text = answer.value(QStringLiteral("response")).toString();
        QVERIFY2(text.startsWith(QStringLiteral("According to ")) && text.contains(QStringLiteral("[1]")),
                 qPrintable(text));
        QVERIFY(text.contains(QStringLiteral("480000 euros")));
        const QJsonArray citations = answer.value(QStringLiteral("citations")).toArray();
        QCOMPARE(citations.size(), 1);
        const QJsonObject citation = citations.at(0).toObject();
        QCOMPARE(citation.value(QStringLiteral("number")).toInt(), 1);
        QCOMPARE(citation.value(QStringLiteral("document_id")).toString(), id);
        // The span is exactly a passage of the document's text.
        const QByteArray original = "Project plan.\n\n" + kPassage;
        const qint64 start = citation.value(QStringLiteral("start")).toInteger();
        const qint64 end = citation.value(QStringLiteral("end")).toInteger();
        QVERIFY(start >= 0 && end > start && end <= original.size());
        // Stored with the message: the messages API returns them.
        const QString conversation = answer.value(QStringLiteral("conversation_id")).toString();
        const QJsonArray messages =
            m_fx.request("GET", "/conversations/" + conversation.toLatin1() + "/messages")
                .json()
                .value(QStringLiteral("items"))
                .toArray();
        QVERIFY(!messages.isEmpty());
        const QJsonObject last = messages.last().toObject();
        QCOMPARE(last.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
        QCOMPARE(
            last.value(QStringLiteral("metadata")).toObject().value(QStringLiteral("citations")).toArray(),
            citations);
    }

    void withoutDocumentsTheDemoAnswersAsBefore()
    {
        const RawResponse chat = m_fx.request("POST", "/chat/consulting",
                                              R"({"message":"Hello there","provider":"demo"})", {kJsonType});
        QCOMPARE(chat.status, 200);
        QCOMPARE(chat.json().value(QStringLiteral("tool_used")).toBool(true), false);
        QVERIFY(
            chat.json().value(QStringLiteral("response")).toString().startsWith(QStringLiteral("Hello!")));
        QVERIFY(chat.json().value(QStringLiteral("citations")).toArray().isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestDocumentRoutes)
#include "test_documentroutes.moc"
