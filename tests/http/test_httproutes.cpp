// The REST routes over real components: tenant isolation and the role matrix (member, tenant
// admin, global admin with audit rows), bad input (malformed JSON, wrong types, missing and
// unknown fields, invalid and unknown ids, unknown flow), byte-exact text, and each route's
// success path.

#include "db/conversationrepository.h"
#include "db/tenantrepository.h"
#include "httpfixture.h"
#include "sql/dbexecutor.h"

#include <QJsonArray>
#include <QTest>
#include <QUrl>

#include <tuple>

using namespace agency;
using test::HttpFixture;
using test::HttpReply;

namespace {

QString idOf(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

QString pathWithQuery(const QString &path, const QString &query)
{
    return path + QLatin1Char('?') + query;
}

} // namespace

class TestHttpRoutes : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void cleanupTestCase();

    void tenantKeyNeverSeesAnotherTenant();
    void namingAnotherTenantIsForbidden();
    void memberReadsButAdminDeletesAndExports();
    void globalAdminActsAcrossTenantsAndIsAudited();
    void globalAdminMustNameTheTenant();
    void malformedAndMistypedBodies();
    void unknownFieldsAreRefusedAndNamed();
    void invalidAndUnknownIds();
    void textIsStoredAndReturnedByteExact();
    void tenantRoutes();
    void runRoutes();
    void pagingAndSearch();
    void forkCopiesTheHistoryBeforeAUserMessage();

private:
    /// A conversation of `tenant` with one user and one assistant message.
    QUuid seedConversation(const QString &tenant, const QString &userText = QStringLiteral("hello"));

    test::TestPostgres m_pg;
    std::unique_ptr<sql::DbExecutor> m_db;
    test::FakeWeatherServer m_weather;
    test::FakeOpenAiServer m_llm;
    std::unique_ptr<HttpFixture> m_fx;
    int m_serial = 0;
    QString m_a; ///< tenant names, fresh per test
    QString m_b;
};

void TestHttpRoutes::initTestCase()
{
    QVERIFY2(m_pg.start(), qPrintable(m_pg.error()));
    auto params = m_pg.freshDatabase();
    AGENCY_VERIFY_OK(params);
    m_db = std::make_unique<sql::DbExecutor>(params.value(), 2);
    QVERIFY(m_weather.listen());
    QVERIFY(m_llm.listen());
}

void TestHttpRoutes::init()
{
    ++m_serial;
    m_a = QStringLiteral("tenant-a%1").arg(m_serial);
    m_b = QStringLiteral("tenant-b%1").arg(m_serial);
    m_fx = std::make_unique<HttpFixture>(*m_db, m_llm.baseUrl(), m_weather.baseUrl().toString());
    QVERIFY2(m_fx->start(), qPrintable(m_fx->error()));
}

void TestHttpRoutes::cleanup()
{
    m_fx.reset();
}

void TestHttpRoutes::cleanupTestCase()
{
    m_db.reset();
}

QUuid TestHttpRoutes::seedConversation(const QString &tenant, const QString &userText)
{
    auto &repo = m_fx->engine().conversations();
    auto tenantMade = test::await(m_fx->engine().tenants().ensureTenant(tenant));
    if (!tenantMade)
        return {};
    auto c =
        test::await(repo.createConversation(tenant, QStringLiteral("weather"), {}, QStringLiteral("Seeded")));
    if (!c)
        return {};
    db::NewMessage user;
    user.role = core::Role::User;
    user.content = userText;
    db::NewMessage reply;
    reply.role = core::Role::Assistant;
    reply.content = QStringLiteral("It is sunny.");
    auto saved = test::await(repo.saveMessages(tenant, c->conversationId, {user, reply}));
    if (!saved)
        return {};
    return c->conversationId;
}

void TestHttpRoutes::forkCopiesTheHistoryBeforeAUserMessage()
{
    const QUuid id = seedConversation(m_a, QStringLiteral("first question"));
    QVERIFY(!id.isNull());
    db::NewMessage second;
    second.role = core::Role::User;
    second.content = QStringLiteral("second question");
    AGENCY_VERIFY_OK(test::await(m_fx->engine().conversations().saveMessages(m_a, id, {second})));
    const QString member = m_fx->createKey(m_a);
    const QString path = QStringLiteral("/conversations/") + idOf(id);
    const QJsonArray before =
        m_fx->get(path + QStringLiteral("/messages"), member).json()[QStringLiteral("items")].toArray();
    QCOMPARE(before.size(), 3);
    const qint64 secondId = before.at(2)[QStringLiteral("id")].toInteger();
    const qint64 replyId = before.at(1)[QStringLiteral("id")].toInteger();

    const HttpReply forked = m_fx->postJson(path + QStringLiteral("/fork"), member,
                                            QJsonObject{{QStringLiteral("message_id"), secondId}});
    AGENCY_COMPARE_STATUS(forked, 201);
    const QString copy = forked.json()[QStringLiteral("conversation_id")].toString();
    QVERIFY(!copy.isEmpty() && copy != idOf(id));
    QCOMPARE(forked
                 .json()[QStringLiteral("metadata")][QStringLiteral("forked_from")]
                        [QStringLiteral("conversation_id")]
                 .toString(),
             idOf(id));
    const QJsonArray copied =
        m_fx->get(QStringLiteral("/conversations/") + copy + QStringLiteral("/messages"), member)
            .json()[QStringLiteral("items")]
            .toArray();
    QCOMPARE(copied.size(), 2); // the messages before the forked one
    QCOMPARE(copied.at(0)[QStringLiteral("content")].toString(), QStringLiteral("first question"));
    QCOMPARE(copied.at(1)[QStringLiteral("content")].toString(), QStringLiteral("It is sunny."));
    // The original is unchanged.
    QCOMPARE(m_fx->get(path + QStringLiteral("/messages"), member).json()[QStringLiteral("items")].toArray(),
             before);

    // Only at a user message, with a whole-number id, in the caller's own tenant.
    AGENCY_COMPARE_STATUS(m_fx->postJson(path + QStringLiteral("/fork"), member,
                                         QJsonObject{{QStringLiteral("message_id"), replyId}}),
                          422);
    for (const QJsonValue &bad : {QJsonValue(QStringLiteral("7")), QJsonValue(1.5), QJsonValue(0)}) {
        const HttpReply r = m_fx->postJson(path + QStringLiteral("/fork"), member,
                                           QJsonObject{{QStringLiteral("message_id"), bad}});
        AGENCY_COMPARE_STATUS(r, 422);
        QCOMPARE(
            r.json()[QStringLiteral("error")][QStringLiteral("details")][QStringLiteral("field")].toString(),
            QStringLiteral("message_id"));
    }
    AGENCY_COMPARE_STATUS(m_fx->postJson(path + QStringLiteral("/fork"), m_fx->createKey(m_b),
                                         QJsonObject{{QStringLiteral("message_id"), secondId}}),
                          404);
}

void TestHttpRoutes::tenantKeyNeverSeesAnotherTenant()
{
    const QUuid mine = seedConversation(m_a);
    const QUuid theirs = seedConversation(m_b);
    QVERIFY(!mine.isNull() && !theirs.isNull());
    const QString member = m_fx->createKey(m_a);
    const QString admin = m_fx->createKey(m_a, core::KeyRole::Admin);

    const HttpReply list = m_fx->get(QStringLiteral("/conversations"), member);
    AGENCY_COMPARE_STATUS(list, 200);
    const QJsonArray items = list.json().value(QStringLiteral("items")).toArray();
    QCOMPARE(items.size(), 1);
    QCOMPARE(items.at(0)[QStringLiteral("conversation_id")].toString(), idOf(mine));

    const QString other = QStringLiteral("/conversations/") + idOf(theirs);
    for (const QString &key : {member, admin}) {
        AGENCY_COMPARE_STATUS(m_fx->get(other, key), 404);
        AGENCY_COMPARE_STATUS(m_fx->get(other + QStringLiteral("/messages"), key), 404);
        AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/tenants/") + m_b, key), 404);
        AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/tenants/") + m_b + QStringLiteral("/usage"), key),
                              404);
        AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/tenants/") + m_b + QStringLiteral("/limits"), key),
                              404);
        AGENCY_COMPARE_STATUS(m_fx->request("PATCH", other, key, R"({"title":"mine now"})"), 404);
    }
    AGENCY_COMPARE_STATUS(m_fx->get(other + QStringLiteral("/export"), admin), 404);
    AGENCY_COMPARE_STATUS(m_fx->request("DELETE", other, admin), 404);
    // Still there for its owner.
    const QString theirKey = m_fx->createKey(m_b);
    AGENCY_COMPARE_STATUS(m_fx->get(other, theirKey), 200);
    // GET /tenants shows a tenant key its own tenant only.
    const HttpReply tenants = m_fx->get(QStringLiteral("/tenants"), member);
    AGENCY_COMPARE_STATUS(tenants, 200);
    QCOMPARE(tenants.json()[QStringLiteral("items")].toArray().size(), 1);
    QCOMPARE(tenants.json()[QStringLiteral("items")][0][QStringLiteral("tenant_id")].toString(), m_a);
}

void TestHttpRoutes::namingAnotherTenantIsForbidden()
{
    seedConversation(m_a);
    const QString member = m_fx->createKey(m_a);
    AGENCY_COMPARE_STATUS(
        m_fx->get(pathWithQuery(QStringLiteral("/conversations"), QStringLiteral("tenant_id=") + m_a),
                  member),
        200);
    const HttpReply r = m_fx->get(
        pathWithQuery(QStringLiteral("/conversations"), QStringLiteral("tenant_id=") + m_b), member);
    AGENCY_COMPARE_STATUS(r, 403);
    QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
    const HttpReply run = m_fx->postJson(QStringLiteral("/runs"), member,
                                         {{QStringLiteral("tenant_id"), m_b},
                                          {QStringLiteral("flow_type"), QStringLiteral("weather")},
                                          {QStringLiteral("input"), QStringLiteral("hi")}});
    AGENCY_COMPARE_STATUS(run, 403);
}

void TestHttpRoutes::memberReadsButAdminDeletesAndExports()
{
    const QUuid id = seedConversation(m_a);
    const QString member = m_fx->createKey(m_a);
    const QString admin = m_fx->createKey(m_a, core::KeyRole::Admin);
    const QString path = QStringLiteral("/conversations/") + idOf(id);
    AGENCY_COMPARE_STATUS(m_fx->get(path, member), 200);
    AGENCY_COMPARE_STATUS(m_fx->get(path + QStringLiteral("/messages"), member), 200);
    AGENCY_COMPARE_STATUS(m_fx->get(path + QStringLiteral("/export"), member), 403);
    AGENCY_COMPARE_STATUS(m_fx->request("DELETE", path, member), 403);
    AGENCY_COMPARE_STATUS(
        m_fx->request("PATCH", QStringLiteral("/tenants/") + m_a, member, R"({"name":"x"})"), 403);

    const HttpReply md = m_fx->get(path + QStringLiteral("/export"), admin);
    AGENCY_COMPARE_STATUS(md, 200);
    QVERIFY(md.header("content-type").startsWith("text/markdown"));
    QVERIFY(md.body.contains("hello"));
    const HttpReply js = m_fx->get(path + QStringLiteral("/export?format=json"), admin);
    AGENCY_COMPARE_STATUS(js, 200);
    QVERIFY(!QJsonDocument::fromJson(js.body).isNull());
    AGENCY_COMPARE_STATUS(m_fx->get(path + QStringLiteral("/export?format=pdf"), admin), 422);

    AGENCY_COMPARE_STATUS(
        m_fx->request("PATCH", QStringLiteral("/tenants/") + m_a, admin, R"({"name":"Acme"})"), 200);
    const HttpReply deleted = m_fx->request("DELETE", path, admin);
    AGENCY_COMPARE_STATUS(deleted, 204);
    QVERIFY(deleted.body.isEmpty());
    AGENCY_COMPARE_STATUS(m_fx->get(path, member), 404);
    // A tenant key acting in its own tenant is not audited.
    auto audit = test::await(m_fx->service().listAudit({m_a, 50, {}}));
    AGENCY_VERIFY_OK(audit);
    QCOMPARE(audit->items.size(), 0);
}

void TestHttpRoutes::globalAdminActsAcrossTenantsAndIsAudited()
{
    const QString secretText = QStringLiteral("very private words");
    const QUuid id = seedConversation(m_a, secretText);
    QString adminKeyId;
    const QString global = m_fx->createGlobalAdminKey(&adminKeyId);
    const QString path = QStringLiteral("/conversations/") + idOf(id);
    const QString scope = QStringLiteral("?tenant_id=") + m_a;
    const HttpReply read = m_fx->request("GET", path + scope, global, {}, {{"X-Request-Id", "audit-read-1"}});
    AGENCY_COMPARE_STATUS(read, 200);
    const HttpReply msgs = m_fx->get(path + QStringLiteral("/messages") + scope, global);
    AGENCY_COMPARE_STATUS(msgs, 200);
    QCOMPARE(msgs.json()[QStringLiteral("items")].toArray().size(), 2);
    const HttpReply del =
        m_fx->request("DELETE", path + scope, global, {}, {{"X-Request-Id", "audit-delete-1"}});
    AGENCY_COMPARE_STATUS(del, 204);

    // Audit rows are written after the answer; wait for them.
    QJsonArray entries;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const HttpReply a = m_fx->get(QStringLiteral("/audit?tenant_id=") + m_a, global);
            entries = a.json()[QStringLiteral("items")].toArray();
            return entries.size() >= 3;
        }(),
        10000);
    QStringList actions;
    for (const QJsonValue &e : entries) {
        actions << e[QStringLiteral("action")].toString();
        QCOMPARE(e[QStringLiteral("actor_key_id")].toString(), adminKeyId);
        QCOMPARE(e[QStringLiteral("tenant_id")].toString(), m_a);
        QCOMPARE(e[QStringLiteral("resource")].toString(), QStringLiteral("conversation/") + idOf(id));
        const QByteArray row = QJsonDocument(e.toObject()).toJson();
        QVERIFY(!row.contains(secretText.toUtf8()));
        QVERIFY(!row.contains(global.toUtf8()));
    }
    // Newest first.
    QCOMPARE(actions,
             (QStringList{QStringLiteral("conversation.delete"), QStringLiteral("conversation.messages.read"),
                          QStringLiteral("conversation.read")}));
    QCOMPARE(entries.at(0)[QStringLiteral("request_id")].toString(), QStringLiteral("audit-delete-1"));
    QCOMPARE(entries.at(2)[QStringLiteral("request_id")].toString(), QStringLiteral("audit-read-1"));
    // Only global admins read the audit log.
    const QString admin = m_fx->createKey(m_a, core::KeyRole::Admin);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/audit"), admin), 403);
}

void TestHttpRoutes::globalAdminMustNameTheTenant()
{
    const QUuid id = seedConversation(m_a);
    const QString global = m_fx->createGlobalAdminKey();
    const HttpReply r = m_fx->get(QStringLiteral("/conversations/") + idOf(id), global);
    AGENCY_COMPARE_STATUS(r, 422);
    QCOMPARE(r.json()[QStringLiteral("error")][QStringLiteral("details")][QStringLiteral("field")].toString(),
             QStringLiteral("tenant_id"));
    // The wrong tenant: not found.
    AGENCY_COMPARE_STATUS(
        m_fx->get(QStringLiteral("/conversations/") + idOf(id) + QStringLiteral("?tenant_id=") + m_b, global),
        404);
}

void TestHttpRoutes::malformedAndMistypedBodies()
{
    const QString global = m_fx->createGlobalAdminKey();
    const HttpReply bad = m_fx->request("POST", QStringLiteral("/tenants"), global, "{\"tenant_id\": ");
    AGENCY_COMPARE_STATUS(bad, 400);
    QCOMPARE(bad.errorCode(), QStringLiteral("bad_request"));
    AGENCY_COMPARE_STATUS(m_fx->request("POST", QStringLiteral("/tenants"), global, "[1,2]"), 400);
    AGENCY_COMPARE_STATUS(m_fx->request("POST", QStringLiteral("/tenants"), global, {}), 400);
    const HttpReply wrongType =
        m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"tenant_id":"x1","name":5})");
    AGENCY_COMPARE_STATUS(wrongType, 422);
    QCOMPARE(wrongType.json()[QStringLiteral("error")][QStringLiteral("details")][QStringLiteral("field")]
                 .toString(),
             QStringLiteral("name"));
    AGENCY_COMPARE_STATUS(m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"name":"no id"})"),
                          422);
    AGENCY_COMPARE_STATUS(
        m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"tenant_id":"x2","nmae":"typo"})"),
        422);
    AGENCY_COMPARE_STATUS(
        m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"tenant_id":"bad id!"})"), 422);
    AGENCY_COMPARE_STATUS(
        m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"tenant_id":"x3","settings":"no"})"),
        422);
    // A settings key nothing reads (here a typo of rate_limits) is refused, not stored and ignored.
    const HttpReply typoSetting = m_fx->request("POST", QStringLiteral("/tenants"), global,
                                                R"({"tenant_id":"x5","settings":{"rate_limit":{}}})");
    AGENCY_COMPARE_STATUS(typoSetting, 422);
    QCOMPARE(typoSetting.json()[QStringLiteral("error")][QStringLiteral("details")][QStringLiteral("field")]
                 .toString(),
             QStringLiteral("rate_limit"));
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/tenants/x5"), global), 404);
    AGENCY_COMPARE_STATUS(m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"tenant_id":"x4"})"),
                          201);
    AGENCY_COMPARE_STATUS(m_fx->request("POST", QStringLiteral("/tenants"), global, R"({"tenant_id":"x4"})"),
                          409);
    const QString member = m_fx->createKey(m_a);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations?limit=abc"), member), 422);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations?limit=0"), member), 422);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations?cursor=garbage"), member), 422);
    AGENCY_COMPARE_STATUS(m_fx->postJson(QStringLiteral("/runs"), member, {{QStringLiteral("flow_type"), 3}}),
                          422);
    AGENCY_COMPARE_STATUS(m_fx->postJson(QStringLiteral("/runs"), member,
                                         {{QStringLiteral("flow_type"), QStringLiteral("weather")}}),
                          422);
    const HttpReply unknownFlow =
        m_fx->postJson(QStringLiteral("/runs"), member,
                       {{QStringLiteral("flow_type"), QStringLiteral("no-such-flow")},
                        {QStringLiteral("input"), QStringLiteral("hi")}});
    AGENCY_COMPARE_STATUS(unknownFlow, 404);
    QCOMPARE(unknownFlow.errorCode(), QStringLiteral("not_found"));
}

void TestHttpRoutes::unknownFieldsAreRefusedAndNamed()
{
    const QString member = m_fx->createKey(m_a);
    const QString conversation = idOf(seedConversation(m_a));
    const qsizetype chatsBefore = m_llm.chatRequests().size();
    const QList<std::tuple<QByteArray, QString, QJsonObject, QString, QString>> cases{
        {"POST", QStringLiteral("/chat/weather"),
         QJsonObject{{QStringLiteral("message"), QStringLiteral("hi")},
                     {QStringLiteral("conversationId"), conversation}},
         QStringLiteral("conversationId"), QStringLiteral("conversation_id")},
        {"POST", QStringLiteral("/weather/chat"),
         QJsonObject{{QStringLiteral("message"), QStringLiteral("hi")}, {QStringLiteral("Stream"), true}},
         QStringLiteral("Stream"), QStringLiteral("stream")},
        {"POST", QStringLiteral("/runs"),
         QJsonObject{{QStringLiteral("flowType"), QStringLiteral("weather")},
                     {QStringLiteral("input"), QStringLiteral("hi")}},
         QStringLiteral("flowType"), QStringLiteral("flow_type")},
        {"PATCH", QStringLiteral("/conversations/") + conversation,
         QJsonObject{{QStringLiteral("tilte"), QStringLiteral("x")}}, QStringLiteral("tilte"),
         QStringLiteral("title")},
        {"POST", QStringLiteral("/conversations/") + conversation + QStringLiteral("/fork"),
         QJsonObject{{QStringLiteral("messageId"), 1}}, QStringLiteral("messageId"),
         QStringLiteral("message_id")},
        {"PATCH", QStringLiteral("/tenants/") + m_a,
         QJsonObject{{QStringLiteral("nmae"), QStringLiteral("x")}}, QStringLiteral("nmae"),
         QStringLiteral("name")}};
    const QString admin = m_fx->createKey(m_a, core::KeyRole::Admin);
    for (const auto &[method, path, body, unknown, meant] : cases) {
        const HttpReply reply =
            m_fx->request(method, path, admin, QJsonDocument(body).toJson(QJsonDocument::Compact));
        const QString where = QString::fromLatin1(method) + u' ' + path;
        QVERIFY2(reply.status == 422,
                 qPrintable(where + QStringLiteral(": ") + QString::fromUtf8(test::describe(reply))));
        const QJsonObject error = reply.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("invalid_argument"));
        const QJsonObject details = error.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("unknown_fields")).toArray(), QJsonArray{unknown});
        QCOMPARE(details.value(QStringLiteral("field")).toString(), unknown);
        const QString expected =
            QStringLiteral(R"(unknown field "%1" (did you mean "%2"?))").arg(unknown, meant);
        QVERIFY2(
            error.value(QStringLiteral("message")).toString().contains(expected),
            qPrintable(where + QStringLiteral(": ") + error.value(QStringLiteral("message")).toString()));
    }
    // The misspelt conversation_id started no conversation, and the conversation is unchanged.
    const HttpReply list = m_fx->get(QStringLiteral("/conversations"), member);
    AGENCY_COMPARE_STATUS(list, 200);
    QCOMPARE(list.json().value(QStringLiteral("items")).toArray().size(), 1);
    QCOMPARE(m_llm.chatRequests().size(), chatsBefore);
    const HttpReply global = m_fx->request("POST", QStringLiteral("/tenants"), m_fx->createGlobalAdminKey(),
                                           R"({"tenant_id":"x9","tenantId":"x9"})");
    AGENCY_COMPARE_STATUS(global, 422);
    QCOMPARE(global.json()[QStringLiteral("error")][QStringLiteral("details")][QStringLiteral("did_you_mean")]
                 .toObject(),
             (QJsonObject{{QStringLiteral("tenantId"), QStringLiteral("tenant_id")}}));
}

void TestHttpRoutes::invalidAndUnknownIds()
{
    const QString member = m_fx->createKey(m_a);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations/not-a-uuid"), member), 422);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations/") + idOf(QUuid::createUuid()), member),
                          404);
    AGENCY_COMPARE_STATUS(
        m_fx->get(QStringLiteral("/conversations/%27%3B%20DROP%20TABLE%20messages%3B--"), member), 422);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/runs/nope"), member), 422);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/runs/") + idOf(QUuid::createUuid()), member), 404);
    AGENCY_COMPARE_STATUS(
        m_fx->request(
            "POST", QStringLiteral("/runs/") + idOf(QUuid::createUuid()) + QStringLiteral("/cancel"), member),
        404);

    // Ids are read exactly: an existing id with anything around it names nothing, on every route
    // with an id (QUuid::fromString alone would read "<id>xyz" and "{<id>}" as <id>).
    const QString admin = m_fx->createKey(m_a, core::KeyRole::Admin);
    const QString conversation = idOf(seedConversation(m_a));
    const HttpReply created = m_fx->postJson(QStringLiteral("/runs"), admin,
                                             {{QStringLiteral("flow_type"), QStringLiteral("weather")},
                                              {QStringLiteral("input"), QStringLiteral("hi")}});
    AGENCY_COMPARE_STATUS(created, 202);
    const QString runId = created.json()[QStringLiteral("run_id")].toString();
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations/") + conversation, admin), 200);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/runs/") + runId, admin), 200);
    // Around the id, percent-encoded as a client would send it: junk, one more digit, braces,
    // spaces.
    const QList<std::pair<QString, QString>> mangled{{QString(), QStringLiteral("xyz")},
                                                     {QString(), QStringLiteral("0")},
                                                     {QStringLiteral("%7B"), QStringLiteral("%7D")},
                                                     {QStringLiteral("%20"), QString()},
                                                     {QString(), QStringLiteral("%20")}};
    for (const auto &[before, after] : mangled) {
        const QString c = before + conversation + after;
        const QString r = before + runId + after;
        const QList<std::tuple<QByteArray, QString, QByteArray>> requests{
            {"GET", QStringLiteral("/conversations/") + c, {}},
            {"GET", QStringLiteral("/conversations/") + c + QStringLiteral("/messages"), {}},
            {"GET", QStringLiteral("/conversations/") + c + QStringLiteral("/export"), {}},
            {"PATCH", QStringLiteral("/conversations/") + c, R"({"title":"x"})"},
            {"POST", QStringLiteral("/conversations/") + c + QStringLiteral("/fork"), R"({"message_id":1})"},
            {"DELETE", QStringLiteral("/conversations/") + c, {}},
            {"GET", QStringLiteral("/runs/") + r, {}},
            {"POST", QStringLiteral("/runs/") + r + QStringLiteral("/cancel"), {}}};
        for (const auto &[method, path, body] : requests) {
            const HttpReply reply = m_fx->request(method, path, admin, body);
            QVERIFY2(reply.status == 422 && reply.errorCode() == QStringLiteral("invalid_argument"),
                     qPrintable(QString::fromLatin1(method) + u' ' + path + QStringLiteral(": ") +
                                QString::fromUtf8(test::describe(reply))));
            const QString field =
                reply.json()[QStringLiteral("error")][QStringLiteral("details")][QStringLiteral("field")]
                    .toString();
            QCOMPARE(field, path.startsWith(QLatin1String("/runs")) ? QStringLiteral("run_id")
                                                                    : QStringLiteral("conversation_id"));
        }
    }
    // Nothing was changed by those requests.
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/conversations/") + conversation, admin), 200);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/runs/") + runId, admin), 200);
    // A conversation_id in a body is read exactly too.
    const HttpReply chat =
        m_fx->postJson(QStringLiteral("/chat/weather"), admin,
                       {{QStringLiteral("message"), QStringLiteral("hi")},
                        {QStringLiteral("conversation_id"), QString(conversation + QStringLiteral("xyz"))}});
    AGENCY_COMPARE_STATUS(chat, 422);
}

void TestHttpRoutes::textIsStoredAndReturnedByteExact()
{
    const QString tricky =
        QStringLiteral("héllo 🌦️ — 日本語 \"quotes\" \\ '; DROP TABLE messages; -- %00 <b>x</b>");
    const QUuid id = seedConversation(m_a, tricky);
    QVERIFY(!id.isNull());
    const QString member = m_fx->createKey(m_a);
    const QString path = QStringLiteral("/conversations/") + idOf(id);
    const HttpReply msgs = m_fx->get(path + QStringLiteral("/messages"), member);
    AGENCY_COMPARE_STATUS(msgs, 200);
    QCOMPARE(msgs.json()[QStringLiteral("items")][0][QStringLiteral("content")].toString(), tricky);

    const QString title = QStringLiteral("Ünïcødé 🌧 '; DELETE FROM tenants; --");
    const HttpReply renamed = m_fx->request(
        "PATCH", path, member, QJsonDocument(QJsonObject{{QStringLiteral("title"), title}}).toJson());
    AGENCY_COMPARE_STATUS(renamed, 200);
    QCOMPARE(renamed.json()[QStringLiteral("title")].toString(), title);
    QCOMPARE(m_fx->get(path, member).json()[QStringLiteral("title")].toString(), title);

    // NUL cannot be stored in PostgreSQL text: a clear 422, nothing changed.
    const HttpReply nul = m_fx->request("PATCH", path, member, R"({"title":"a\u0000b"})");
    AGENCY_COMPARE_STATUS(nul, 422);
    QCOMPARE(m_fx->get(path, member).json()[QStringLiteral("title")].toString(), title);
    AGENCY_COMPARE_STATUS(m_fx->request("PATCH", path, member, R"({"title":"   "})"), 422);
}

void TestHttpRoutes::tenantRoutes()
{
    const QString global = m_fx->createGlobalAdminKey();
    const QJsonObject settings{{QStringLiteral("rate_limits"), QJsonObject{}}};
    const HttpReply created = m_fx->postJson(
        QStringLiteral("/tenants"), global,
        {{QStringLiteral("tenant_id"), m_a}, {QStringLiteral("name"), QStringLiteral("Acme")}});
    AGENCY_COMPARE_STATUS(created, 201);
    QCOMPARE(created.json()[QStringLiteral("name")].toString(), QStringLiteral("Acme"));
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/tenants/") + m_a, global), 200);
    const HttpReply list = m_fx->get(QStringLiteral("/tenants?limit=1000"), global);
    AGENCY_COMPARE_STATUS(list, 200);
    QVERIFY(QJsonDocument(list.json()).toJson().contains(m_a.toUtf8()));
    const HttpReply usage = m_fx->get(
        QStringLiteral("/tenants/") + m_a + QStringLiteral("/usage?from=2025-01-01&to=2025-06-01"), global);
    AGENCY_COMPARE_STATUS(usage, 200);
    QVERIFY(usage.json()[QStringLiteral("items")].isArray());
    AGENCY_COMPARE_STATUS(
        m_fx->get(QStringLiteral("/tenants/") + m_a + QStringLiteral("/usage?from=yesterday"), global), 422);
    const HttpReply limits = m_fx->get(QStringLiteral("/tenants/") + m_a + QStringLiteral("/limits"), global);
    AGENCY_COMPARE_STATUS(limits, 200);
    QVERIFY(!limits.json()[QStringLiteral("items")].toArray().isEmpty());
    QVERIFY(limits.json()[QStringLiteral("items")][0][QStringLiteral("minute")].isObject());
    const QString member = m_fx->createKey(m_a);
    AGENCY_COMPARE_STATUS(
        m_fx->postJson(QStringLiteral("/tenants"), member, {{QStringLiteral("tenant_id"), m_b}}), 403);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/tenants/no-such-tenant"), global), 404);
}

void TestHttpRoutes::runRoutes()
{
    const QString member = m_fx->createKey(m_a);
    const HttpReply created =
        m_fx->postJson(QStringLiteral("/runs"), member,
                       {{QStringLiteral("flow_type"), QStringLiteral("weather")},
                        {QStringLiteral("input"), QStringLiteral("Weather in Paris?")}});
    AGENCY_COMPARE_STATUS(created, 202);
    const QString runId = created.json()[QStringLiteral("run_id")].toString();
    QCOMPARE(created.json()[QStringLiteral("status")].toString(), QStringLiteral("queued"));
    QCOMPARE(created.header("location"), (QStringLiteral("/runs/") + runId).toUtf8());
    const HttpReply got = m_fx->get(QStringLiteral("/runs/") + runId, member);
    AGENCY_COMPARE_STATUS(got, 200);
    QCOMPARE(got.json()[QStringLiteral("input")].toString(), QStringLiteral("Weather in Paris?"));
    const HttpReply listed = m_fx->get(QStringLiteral("/runs?status=queued"), member);
    AGENCY_COMPARE_STATUS(listed, 200);
    QCOMPARE(listed.json()[QStringLiteral("items")].toArray().size(), 1);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/runs?status=bogus"), member), 422);
    const HttpReply cancelled =
        m_fx->request("POST", QStringLiteral("/runs/") + runId + QStringLiteral("/cancel"), member);
    AGENCY_COMPARE_STATUS(cancelled, 200);
    QCOMPARE(cancelled.json()[QStringLiteral("status")].toString(), QStringLiteral("cancelled"));
    AGENCY_COMPARE_STATUS(
        m_fx->request("POST", QStringLiteral("/runs/") + runId + QStringLiteral("/cancel"), member), 409);
    // Another tenant's run is not found.
    const QString other = m_fx->createKey(m_b);
    AGENCY_COMPARE_STATUS(m_fx->get(QStringLiteral("/runs/") + runId, other), 404);
}

void TestHttpRoutes::pagingAndSearch()
{
    for (int i = 0; i < 3; ++i)
        QVERIFY(!seedConversation(m_a, QStringLiteral("topic number %1 about zeppelins").arg(i)).isNull());
    const QString member = m_fx->createKey(m_a);
    const HttpReply first = m_fx->get(QStringLiteral("/conversations?limit=2"), member);
    AGENCY_COMPARE_STATUS(first, 200);
    QCOMPARE(first.json()[QStringLiteral("items")].toArray().size(), 2);
    const QString cursor = first.json()[QStringLiteral("next_cursor")].toString();
    QVERIFY(!cursor.isEmpty());
    const HttpReply second = m_fx->get(QStringLiteral("/conversations?limit=2&cursor=") +
                                           QString::fromLatin1(QUrl::toPercentEncoding(cursor)),
                                       member);
    AGENCY_COMPARE_STATUS(second, 200);
    QCOMPARE(second.json()[QStringLiteral("items")].toArray().size(), 1);
    QVERIFY(second.json()[QStringLiteral("next_cursor")].isNull());
    const HttpReply found = m_fx->get(QStringLiteral("/conversations?q=zeppelins"), member);
    AGENCY_COMPARE_STATUS(found, 200);
    QCOMPARE(found.json()[QStringLiteral("items")].toArray().size(), 3);
    QVERIFY(found.json()[QStringLiteral("items")][0][QStringLiteral("snippet")].toString().contains(
        QStringLiteral("[[")));
}

QTEST_GUILESS_MAIN(TestHttpRoutes)
#include "test_httproutes.moc"
