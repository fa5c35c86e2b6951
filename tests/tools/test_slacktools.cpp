// The Slack client and tools over real HTTP against a fake Slack Web API: the requests' paths,
// headers and bodies, Slack's {"ok": false} errors, 429 with Retry-After, and the event signature.
#include "fakeslack.h"
#include "futurewait.h"
#include "memorysecrets.h"

#include "tools/slack/slackclient.h"
#include "tools/slack/slacksignature.h"
#include "tools/slack/slacktools.h"
#include "tools/toolregistry.h"

#include <QNetworkAccessManager>
#include <QtTest>

using namespace agency;
using namespace agency::tools;
using agency::test::FakeSlack;

namespace {

const QByteArray kToken = "xoxb-test-token-0123456789";
const QString kTenant = QStringLiteral("acme");

} // namespace

class TestSlackTools : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<FakeSlack> m_slack;
    std::unique_ptr<QNetworkAccessManager> m_nam;
    test::MemorySecrets m_secrets;
    std::unique_ptr<ToolRegistry> m_registry;

    ToolResult run(const QString &name, const QJsonObject &arguments, const QString &tenant = kTenant)
    {
        QFuture<ToolResult> future =
            m_registry->execute(name, arguments, core::CancelToken::create(), 0, ToolContext{tenant, {}});
        if (!QTest::qWaitFor([&future] { return future.isFinished(); }, 20000))
            return ToolResult::fromError(
                core::makeError(core::ErrorCode::Internal, QStringLiteral("timed out")));
        return future.result();
    }

private Q_SLOTS:
    void init()
    {
        m_slack = std::make_unique<FakeSlack>(kToken);
        QVERIFY(m_slack->listen());
        m_nam = std::make_unique<QNetworkAccessManager>();
        m_secrets = test::MemorySecrets();
        m_secrets.set(kTenant, QStringLiteral("slack_bot_token"), QString::fromLatin1(kToken));
        m_registry = std::make_unique<ToolRegistry>(20000);
        slack::SlackConfig config;
        config.baseUrl = QUrl(m_slack->baseUrl());
        config.maxRetryWaitMs = 5000;
        QVERIFY(slack::addSlackTools(*m_registry,
                                     std::make_shared<slack::SlackClient>(config, *m_nam, &m_secrets)));
    }

    void cleanup()
    {
        m_registry.reset();
        m_nam.reset();
        m_slack.reset();
    }

    void channelHistory()
    {
        m_slack->addMessage(QStringLiteral("C0123ABCD"), {{QStringLiteral("ts"), QStringLiteral("1.1")},
                                                          {QStringLiteral("user"), QStringLiteral("U1")},
                                                          {QStringLiteral("text"), QStringLiteral("first")}});
        m_slack->addMessage(QStringLiteral("C0123ABCD"), {{QStringLiteral("ts"), QStringLiteral("1.2")},
                                                          {QStringLiteral("user"), QStringLiteral("U2")},
                                                          {QStringLiteral("text"), QStringLiteral("second")},
                                                          {QStringLiteral("reply_count"), 3}});
        const ToolResult result =
            run(QStringLiteral("slack_channel_history"),
                {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}, {QStringLiteral("limit"), 5}});
        QVERIFY2(result.success(), qPrintable(result.content()));
        const QJsonArray messages = result.json.value(QStringLiteral("messages")).toArray();
        QCOMPARE(messages.size(), 2);
        QCOMPARE(messages.at(0).toObject().value(QStringLiteral("text")).toString(),
                 QStringLiteral("second"));
        QCOMPARE(messages.at(0).toObject().value(QStringLiteral("reply_count")).toInt(), 3);
        const auto requests = m_slack->requestsOf(QStringLiteral("conversations.history"));
        QCOMPARE(requests.size(), 1);
        QCOMPARE(requests.at(0).method, QByteArray("GET"));
        QCOMPARE(requests.at(0).header("Authorization"), QByteArray("Bearer " + kToken));
        QCOMPARE(requests.at(0).query().queryItemValue(QStringLiteral("channel")),
                 QStringLiteral("C0123ABCD"));
        QCOMPARE(requests.at(0).query().queryItemValue(QStringLiteral("limit")), QStringLiteral("5"));
        // The token never reaches what the model sees.
        QVERIFY(!result.content().contains(QString::fromLatin1(kToken)));
    }

    void threadReplies()
    {
        m_slack->addReply(QStringLiteral("C0123ABCD"), QStringLiteral("1733600000.000100"),
                          {{QStringLiteral("ts"), QStringLiteral("1733600000.000100")},
                           {QStringLiteral("user"), QStringLiteral("U1")},
                           {QStringLiteral("text"), QStringLiteral("question")}});
        const ToolResult result = run(QStringLiteral("slack_thread_replies"),
                                      {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")},
                                       {QStringLiteral("thread_ts"), QStringLiteral("1733600000.000100")}});
        QVERIFY2(result.success(), qPrintable(result.content()));
        QCOMPARE(result.json.value(QStringLiteral("messages")).toArray().size(), 1);
        const QList<test::RecordedRequest> requests =
            m_slack->requestsOf(QStringLiteral("conversations.replies"));
        QCOMPARE(requests.size(), 1);
        QCOMPARE(requests.at(0).query().queryItemValue(QStringLiteral("ts")),
                 QStringLiteral("1733600000.000100"));
        QCOMPARE(requests.at(0).query().queryItemValue(QStringLiteral("limit")), QStringLiteral("20"));
    }

    void userInfo()
    {
        m_slack->addUser(
            {{QStringLiteral("id"), QStringLiteral("U0123ABCD")},
             {QStringLiteral("name"), QStringLiteral("ada")},
             {QStringLiteral("real_name"), QStringLiteral("Ada Lovelace")},
             {QStringLiteral("tz"), QStringLiteral("Europe/London")},
             {QStringLiteral("profile"), QJsonObject{{QStringLiteral("title"), QStringLiteral("Analyst")}}}});
        const ToolResult result =
            run(QStringLiteral("slack_user_info"), {{QStringLiteral("user"), QStringLiteral("U0123ABCD")}});
        QVERIFY2(result.success(), qPrintable(result.content()));
        QCOMPARE(result.json.value(QStringLiteral("real_name")).toString(), QStringLiteral("Ada Lovelace"));
        QCOMPARE(result.json.value(QStringLiteral("title")).toString(), QStringLiteral("Analyst"));
        QCOMPARE(m_slack->requestsOf(QStringLiteral("users.info"))
                     .at(0)
                     .query()
                     .queryItemValue(QStringLiteral("user")),
                 QStringLiteral("U0123ABCD"));
        const ToolResult missing =
            run(QStringLiteral("slack_user_info"), {{QStringLiteral("user"), QStringLiteral("U9999ZZZZ")}});
        QCOMPARE(missing.errorCode, core::ErrorCode::NotFound);
        QVERIFY(missing.content().contains(QStringLiteral("user_not_found")));
    }

    void postMessageNeedsApprovalAndSendsJson()
    {
        QVERIFY(m_registry->find(QStringLiteral("slack_post_message"))->requiresApproval());
        QVERIFY(!m_registry->find(QStringLiteral("slack_channel_history"))->requiresApproval());
        QVERIFY(!m_registry->find(QStringLiteral("slack_thread_replies"))->requiresApproval());
        QVERIFY(!m_registry->find(QStringLiteral("slack_user_info"))->requiresApproval());
        const ToolResult result = run(QStringLiteral("slack_post_message"),
                                      {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")},
                                       {QStringLiteral("text"), QStringLiteral("Deployed ✅")},
                                       {QStringLiteral("thread_ts"), QStringLiteral("1733600000.000100")}});
        QVERIFY2(result.success(), qPrintable(result.content()));
        QVERIFY(result.json.value(QStringLiteral("ts")).toString().startsWith(QStringLiteral("1733700000.")));
        const auto requests = m_slack->requestsOf(QStringLiteral("chat.postMessage"));
        QCOMPARE(requests.size(), 1);
        QCOMPARE(requests.at(0).method, QByteArray("POST"));
        QVERIFY(requests.at(0).header("Content-Type").startsWith("application/json"));
        QCOMPARE(requests.at(0).header("Authorization"), QByteArray("Bearer " + kToken));
        QCOMPARE(requests.at(0).json(),
                 (QJsonObject{{QStringLiteral("channel"), QStringLiteral("C0123ABCD")},
                              {QStringLiteral("text"), QStringLiteral("Deployed ✅")},
                              {QStringLiteral("thread_ts"), QStringLiteral("1733600000.000100")}}));
    }

    void rateLimitedCallIsRetriedAfterRetryAfter()
    {
        m_slack->addMessage(QStringLiteral("C0123ABCD"), {{QStringLiteral("ts"), QStringLiteral("1.1")},
                                                          {QStringLiteral("text"), QStringLiteral("hi")}});
        m_slack->rateLimit(QStringLiteral("conversations.history"), 1);
        QElapsedTimer sinceStart;
        sinceStart.start();
        const ToolResult result = run(QStringLiteral("slack_channel_history"),
                                      {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}});
        QVERIFY2(result.success(), qPrintable(result.content()));
        QCOMPARE(m_slack->requestsOf(QStringLiteral("conversations.history")).size(), 2);
        // The second request waited for the Retry-After second (a lower bound, never a race).
        QVERIFY(sinceStart.elapsed() >= 1000);
    }

    void longRetryAfterFailsAtOnce()
    {
        m_slack->addMessage(QStringLiteral("C0123ABCD"), {{QStringLiteral("text"), QStringLiteral("hi")}});
        m_slack->rateLimit(QStringLiteral("conversations.history"), 120);
        const ToolResult result = run(QStringLiteral("slack_channel_history"),
                                      {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}});
        QCOMPARE(result.errorCode, core::ErrorCode::ProviderRateLimited);
        QCOMPARE(m_slack->requestsOf(QStringLiteral("conversations.history")).size(), 1);
    }

    void slackErrorsAreClear()
    {
        m_slack->failWith(QStringLiteral("conversations.history"), QStringLiteral("not_in_channel"));
        ToolResult result = run(QStringLiteral("slack_channel_history"),
                                {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}});
        QCOMPARE(result.errorCode, core::ErrorCode::Forbidden);
        QVERIFY(result.content().contains(QStringLiteral("/invite")));
        m_slack->failWith(QStringLiteral("conversations.history"), QStringLiteral("missing_scope"));
        result = run(QStringLiteral("slack_channel_history"),
                     {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}});
        QCOMPARE(result.errorCode, core::ErrorCode::Forbidden);
        m_slack->failWith(QStringLiteral("conversations.history"), {});
        // A wrong token: Slack's invalid_auth, and the token is in no message.
        m_secrets.set(kTenant, QStringLiteral("slack_bot_token"), QStringLiteral("xoxb-wrong-secret-value"));
        result = run(QStringLiteral("slack_channel_history"),
                     {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}});
        QCOMPARE(result.errorCode, core::ErrorCode::ProviderUnauthorized);
        QVERIFY(result.content().contains(QStringLiteral("invalid_auth")));
        QVERIFY(!result.content().contains(QStringLiteral("wrong-secret")));
        // No token at all: nothing is sent, and the fix is named.
        const qsizetype before = m_slack->server().requestCount();
        result = run(QStringLiteral("slack_channel_history"),
                     {{QStringLiteral("channel"), QStringLiteral("C0123ABCD")}}, QStringLiteral("globex"));
        QCOMPARE(result.errorCode, core::ErrorCode::NotConfigured);
        QVERIFY(result.content().contains(QStringLiteral("tenants secret set globex slack_bot_token")));
        QCOMPARE(m_slack->server().requestCount(), before);
    }

    void eventSignature()
    {
        const QByteArray body = R"({"type":"event_callback"})";
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QByteArray ts = QByteArray::number(now.toSecsSinceEpoch());
        const QByteArray good = FakeSlack::sign("signing-secret", ts, body);
        QVERIFY(slack::verifySlackSignature("signing-secret", ts, body, good, now));
        QCOMPARE(slack::verifySlackSignature("other-secret", ts, body, good, now).error().code,
                 core::ErrorCode::Unauthenticated);
        QVERIFY(!slack::verifySlackSignature("signing-secret", ts, body + " ", good, now));
        QVERIFY(!slack::verifySlackSignature("signing-secret", ts, body, good.left(good.size() - 1), now));
        const QByteArray old = QByteArray::number(now.toSecsSinceEpoch() - 301);
        QVERIFY(!slack::verifySlackSignature("signing-secret", old, body,
                                             FakeSlack::sign("signing-secret", old, body), now));
        const QByteArray recent = QByteArray::number(now.toSecsSinceEpoch() - 299);
        QVERIFY(slack::verifySlackSignature("signing-secret", recent, body,
                                            FakeSlack::sign("signing-secret", recent, body), now));
        QVERIFY(!slack::verifySlackSignature("signing-secret", "soon", body, good, now));
    }
};

QTEST_GUILESS_MAIN(TestSlackTools)
#include "test_slacktools.moc"
