// POST /slack/events and /tenants/{id}/secrets end to end: the in-process server on port 0, a real
// PostgreSQL, the demo provider answering the Slack flow offline, and a fake Slack Web API that
// records every request. A signed app_mention is acknowledged before its work runs, answered once
// in its thread; a bad or stale signature gets 401 and runs nothing; a redelivered event is not
// run again; a mention that asks for a write is answered once approved, in its thread; secret
// values are never in an answer or the access log.
#include "fakeslack.h"
#include "runtime/backend.h"
#include "serverfixture.h"
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace agency;
using agency::test::FakeSlack;

namespace {

const QString kTenant = QString::fromLatin1(test::ServerFixture::kTenant);
const QByteArray kBotToken = "xoxb-bot-token-5f1e2d3c";
const QByteArray kSigningSecret = "signing-secret-9a8b7c6d";
const QString kTeam = QStringLiteral("T0123ABCD");
const QString kChannel = QStringLiteral("C0123ABCD");
const QString kThread = QStringLiteral("1733600000.000100");

const QString kQuestion = QStringLiteral("<@U0BOT0001> what is left?");

QByteArray mentionBody(const QString &eventId, const QString &team = kTeam, const QString &text = kQuestion)
{
    const QJsonObject event{{QStringLiteral("type"), QStringLiteral("app_mention")},
                            {QStringLiteral("user"), QStringLiteral("U0ASKER01")},
                            {QStringLiteral("text"), text},
                            {QStringLiteral("channel"), kChannel},
                            {QStringLiteral("ts"), QStringLiteral("1733600050.000200")},
                            {QStringLiteral("thread_ts"), kThread}};
    return QJsonDocument(QJsonObject{{QStringLiteral("type"), QStringLiteral("event_callback")},
                                     {QStringLiteral("team_id"), team},
                                     {QStringLiteral("event_id"), eventId},
                                     {QStringLiteral("event"), event}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestSlackEvents : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;
    std::unique_ptr<FakeSlack> m_slack;

    QByteArray now() { return QByteArray::number(m_fx.engine().clock().now().toSecsSinceEpoch()); }

    test::HttpReply deliver(const QByteArray &body, const QByteArray &timestamp, const QByteArray &signature,
                            int retryNum = 0)
    {
        QList<std::pair<QByteArray, QByteArray>> headers{{"Content-Type", "application/json"},
                                                         {"X-Slack-Request-Timestamp", timestamp},
                                                         {"X-Slack-Signature", signature}};
        if (retryNum > 0) {
            headers.append(
                std::pair<QByteArray, QByteArray>("X-Slack-Retry-Num", QByteArray::number(retryNum)));
            headers.append(std::pair<QByteArray, QByteArray>("X-Slack-Retry-Reason", "http_timeout"));
        }
        // No API key: Slack signs the request instead.
        return m_fx.http().request("POST", QStringLiteral("/slack/events"), {}, body, headers);
    }

    static QString statusOf(sql::DbExecutor &db, const QString &eventId)
    {
        const auto status =
            test::await(db.run<QString>([eventId](sql::DbConnection &conn) -> core::Result<QString> {
                auto q = conn.exec(
                    QStringLiteral("SELECT status FROM slack_events WHERE tenant_id = ? AND event_id = ?"),
                    {kTenant, eventId}, QStringLiteral("slack event status"));
                if (!q)
                    return q.error();
                return q.value()->next() ? q.value()->value(0).toString() : QString();
            }));
        return status ? status.value() : status.error().message;
    }

    test::HttpReply deliverSigned(const QByteArray &body, int retryNum = 0)
    {
        const QByteArray ts = now();
        return deliver(body, ts, FakeSlack::sign(kSigningSecret, ts, body), retryNum);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }

    void init()
    {
        m_slack = std::make_unique<FakeSlack>(kBotToken);
        QVERIFY(m_slack->listen());
        QVERIFY2(m_fx.startServer(
                     {{QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")},
                      {QStringLiteral("SLACK_API_BASE_URL"), m_slack->baseUrl()},
                      {QStringLiteral("SECRETS_KEY"), QString::fromLatin1(QByteArray(32, 'q').toBase64())}}),
                 qPrintable(m_fx.error()));
        service::AgencyService &service = m_fx.engine().service();
        AGENCY_VERIFY_OK(test::await(service.updateTenant(
            kTenant, std::nullopt, QJsonObject{{QStringLiteral("slack_team_id"), kTeam}})));
        AGENCY_VERIFY_OK(test::await(service.setTenantSecret(kTenant, QStringLiteral("slack_bot_token"),
                                                             QString::fromLatin1(kBotToken))));
        AGENCY_VERIFY_OK(test::await(service.setTenantSecret(kTenant, QStringLiteral("slack_signing_secret"),
                                                             QString::fromLatin1(kSigningSecret))));
        m_slack->addReply(kChannel, kThread,
                          {{QStringLiteral("ts"), kThread},
                           {QStringLiteral("user"), QStringLiteral("U0OWNER01")},
                           {QStringLiteral("text"), QStringLiteral("Release checklist for Friday")}});
        m_slack->addReply(kChannel, kThread,
                          {{QStringLiteral("ts"), QStringLiteral("1733600050.000200")},
                           {QStringLiteral("user"), QStringLiteral("U0ASKER01")},
                           {QStringLiteral("text"), QStringLiteral("<@U0BOT0001> what is left?")}});
    }

    void cleanup()
    {
        m_fx.stopServer();
        m_slack.reset();
    }

    void urlVerificationAnswersTheChallenge()
    {
        const QByteArray body =
            R"({"token":"legacy","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"})";
        const test::HttpReply reply = deliverSigned(body);
        AGENCY_COMPARE_STATUS(reply, 200);
        QCOMPARE(reply.json().value(QStringLiteral("challenge")).toString(),
                 QStringLiteral("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
    }

    void mentionAcknowledgedFirstThenAnsweredOnceInItsThread()
    {
        // Slack's answers wait until two requests are in flight: the mention's work cannot get past
        // reading the thread before the test lets it, so the acknowledgement must come first.
        m_slack->server().holdResponsesUntil(2);
        const test::HttpReply ack = deliverSigned(mentionBody(QStringLiteral("Ev0001")));
        AGENCY_COMPARE_STATUS(ack, 200);
        QCOMPARE(ack.json().value(QStringLiteral("queued")).toBool(), true);
        QCOMPARE(ack.json().value(QStringLiteral("duplicate")).toBool(), false);
        QVERIFY(m_slack->posts().isEmpty());
        m_slack->server().releaseHeld();

        QTRY_COMPARE_WITH_TIMEOUT(m_slack->posts().size(), 1, 20000);
        const QJsonObject post = m_slack->posts().first();
        QCOMPARE(post.value(QStringLiteral("channel")).toString(), kChannel);
        QCOMPARE(post.value(QStringLiteral("thread_ts")).toString(), kThread);
        // The demo provider answered from the thread the responder read.
        QVERIFY2(post.value(QStringLiteral("text"))
                     .toString()
                     .contains(QStringLiteral("This thread has 2 messages")),
                 qPrintable(post.value(QStringLiteral("text")).toString()));
        const auto replies = m_slack->requestsOf(QStringLiteral("conversations.replies"));
        QCOMPARE(replies.size(), 1);
        QCOMPARE(replies.at(0).query().queryItemValue(QStringLiteral("ts")), kThread);
        for (const test::RecordedRequest &request : m_slack->server().requests())
            QCOMPARE(request.header("Authorization"), QByteArray("Bearer " + kBotToken));

        // Slack redelivers (it saw no answer in time): acknowledged, not run again.
        const test::HttpReply retry = deliverSigned(mentionBody(QStringLiteral("Ev0001")), 1);
        AGENCY_COMPARE_STATUS(retry, 200);
        QCOMPARE(retry.json().value(QStringLiteral("duplicate")).toBool(), true);
        QCOMPARE(retry.json().value(QStringLiteral("queued")).toBool(), false);
        test::drainEvents();
        QCOMPARE(m_slack->posts().size(), 1);
        QCOMPARE(m_slack->requestsOf(QStringLiteral("conversations.replies")).size(), 1);

        // Nothing secret in what Slack was sent back or in the access log.
        for (const QJsonObject &line : m_fx.http().accessLog()) {
            const QByteArray text = QJsonDocument(line).toJson();
            QVERIFY(!text.contains(kBotToken));
            QVERIFY(!text.contains(kSigningSecret));
        }
        QVERIFY(!post.value(QStringLiteral("text")).toString().contains(QString::fromLatin1(kBotToken)));
    }

    void mentionLeftByAStoppedProcessIsAnsweredByAnother()
    {
        // A process acknowledged these mentions and stopped before answering them: their rows are
        // all that is left. One's claim ran out; the other is still claimed by a live process.
        sql::DbExecutor &db = *m_fx.engine().backend().serviceDependencies().executor;
        const auto inserted = test::await(db.run<bool>([](sql::DbConnection &conn) -> core::Result<bool> {
            auto q = conn.exec(
                QStringLiteral(
                    "INSERT INTO slack_events (tenant_id, event_id, event_type, channel, thread_ts, "
                    "mention_user, mention_text, status, claimed_until) VALUES "
                    "(?, 'EvStale', 'app_mention', ?, ?, 'U0ASKER01', 'what is left?', 'queued', "
                    "now() - interval '1 second'), "
                    "(?, 'EvClaimed', 'app_mention', ?, ?, 'U0ASKER01', 'what is left?', 'queued', "
                    "now() + interval '5 minutes')"),
                {kTenant, kChannel, kThread, kTenant, kChannel, kThread}, QStringLiteral("stale events"));
            if (!q)
                return q.error();
            return true;
        }));
        AGENCY_VERIFY_OK(inserted);

        m_fx.engine().backend().startRunWorkers();
        QTRY_COMPARE_WITH_TIMEOUT(m_slack->posts().size(), 1, 20000);
        const QJsonObject post = m_slack->posts().first();
        QCOMPARE(post.value(QStringLiteral("channel")).toString(), kChannel);
        QCOMPARE(post.value(QStringLiteral("thread_ts")).toString(), kThread);
        QTRY_COMPARE_WITH_TIMEOUT(statusOf(db, QStringLiteral("EvStale")), QStringLiteral("answered"), 10000);
        // The live process's claim is respected: no second answer.
        test::drainEvents();
        QCOMPARE(statusOf(db, QStringLiteral("EvClaimed")), QStringLiteral("queued"));
        QCOMPARE(m_slack->posts().size(), 1);
    }

    void mentionAskingForAWriteWaitsForApprovalThenAnswersInItsThread()
    {
        // The person asks the agent to post: a write, so the answer pauses; once an admin approves
        // (over HTTP, long after the mention's own turn ended) the post is made and the continued
        // answer reaches the same thread.
        const QString ask = QStringLiteral("<@U0BOT0001> please post \"Deploy is done\" here");
        m_slack->addReply(kChannel, kThread,
                          {{QStringLiteral("ts"), QStringLiteral("1733600090.000300")},
                           {QStringLiteral("user"), QStringLiteral("U0ASKER01")},
                           {QStringLiteral("text"), ask}});
        AGENCY_COMPARE_STATUS(deliverSigned(mentionBody(QStringLiteral("EvWrite"), kTeam, ask)), 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_slack->posts().size(), 1, 20000);
        const QString pauseText = m_slack->posts().at(0).value(QStringLiteral("text")).toString();
        QVERIFY2(pauseText.contains(QStringLiteral("approval")), qPrintable(pauseText));
        QCOMPARE(m_slack->posts().at(0).value(QStringLiteral("thread_ts")).toString(), kThread);

        const QString admin = m_fx.http().createKey(kTenant, core::KeyRole::Admin);
        const test::HttpReply list = m_fx.http().get(QStringLiteral("/approvals?status=pending"), admin);
        AGENCY_COMPARE_STATUS(list, 200);
        const QJsonArray pending = list.json().value(QStringLiteral("items")).toArray();
        QCOMPARE(pending.size(), 1);
        const QJsonObject approval = pending.at(0).toObject();
        QCOMPARE(approval.value(QStringLiteral("tool")).toString(), QStringLiteral("slack_post_message"));
        test::drainEvents();
        QCOMPARE(m_slack->posts().size(), 1); // nothing written before the decision

        AGENCY_COMPARE_STATUS(
            m_fx.http().postJson(QStringLiteral("/approvals/%1/approve")
                                     .arg(approval.value(QStringLiteral("approval_id")).toString()),
                                 admin, {}),
            200);
        // The approved write itself, then the agent's continued answer, both in the thread.
        QTRY_COMPARE_WITH_TIMEOUT(m_slack->posts().size(), 3, 20000);
        const QJsonObject written = m_slack->posts().at(1);
        QCOMPARE(written.value(QStringLiteral("text")).toString(), QStringLiteral("Deploy is done"));
        QCOMPARE(written.value(QStringLiteral("thread_ts")).toString(), kThread);
        const QJsonObject answer = m_slack->posts().at(2);
        QCOMPARE(answer.value(QStringLiteral("channel")).toString(), kChannel);
        QCOMPARE(answer.value(QStringLiteral("thread_ts")).toString(), kThread);
        QVERIFY2(answer.value(QStringLiteral("text")).toString().startsWith(QStringLiteral("Posted to ")),
                 qPrintable(answer.value(QStringLiteral("text")).toString()));
    }

    void approvalOutsideSlackPostsNothingThere()
    {
        // A conversation no mention started: its continued answer stays out of Slack.
        service::AgencyService &service = m_fx.engine().service();
        core::TurnRequest request;
        request.tenantId = kTenant;
        request.flowType = QStringLiteral("slack");
        request.message = QStringLiteral("post \"Lunch is here\" to %1").arg(kChannel);
        auto paused = test::await(service.chat(request, {}));
        AGENCY_VERIFY_OK(paused);
        QCOMPARE(paused->approvals.size(), 1);
        core::AuditEntry actor;
        actor.actorName = QStringLiteral("test");
        auto decided = test::await(service.approveToolCall(
            kTenant, paused->approvals.at(0).approvalId.toString(QUuid::WithoutBraces), actor, {}));
        AGENCY_VERIFY_OK(decided);
        QVERIFY(decided->turn.has_value());
        test::drainEvents();
        QCOMPARE(m_slack->posts().size(), 1); // the approved post only
        QCOMPARE(m_slack->posts().at(0).value(QStringLiteral("text")).toString(),
                 QStringLiteral("Lunch is here"));
    }

    void badOrStaleSignaturesAreRefused()
    {
        const QByteArray body = mentionBody(QStringLiteral("Ev0002"));
        const QByteArray ts = now();
        AGENCY_COMPARE_STATUS(deliver(body, ts, FakeSlack::sign("not-the-secret", ts, body)), 401);
        AGENCY_COMPARE_STATUS(deliver(body, ts, {}), 401);
        // Signed with the right secret, but the body was changed on the way.
        AGENCY_COMPARE_STATUS(
            deliver(mentionBody(QStringLiteral("Ev0003")), ts, FakeSlack::sign(kSigningSecret, ts, body)),
            401);
        // Correctly signed, but more than five minutes old: a replay.
        const QByteArray old = QByteArray::number(m_fx.engine().clock().now().toSecsSinceEpoch() - 301);
        AGENCY_COMPARE_STATUS(deliver(body, old, FakeSlack::sign(kSigningSecret, old, body)), 401);
        // A workspace no tenant is connected to.
        const QByteArray otherTeam = mentionBody(QStringLiteral("Ev0004"), QStringLiteral("T9999ZZZZ"));
        AGENCY_COMPARE_STATUS(deliver(otherTeam, ts, FakeSlack::sign(kSigningSecret, ts, otherTeam)), 401);
        test::drainEvents();
        QCOMPARE(m_slack->server().requestCount(), 0);
        // The same event, signed properly, still runs: nothing was recorded for the refused ones.
        AGENCY_COMPARE_STATUS(deliverSigned(body), 200);
        QTRY_COMPARE_WITH_TIMEOUT(m_slack->posts().size(), 1, 20000);
    }

    void secretsRouteIsForAdminsAndNeverAnswersValues()
    {
        const QString admin = m_fx.http().createKey(kTenant, core::KeyRole::Admin);
        const QString member = m_fx.http().createKey(kTenant, core::KeyRole::Member);
        const QString other = m_fx.http().createKey(QStringLiteral("globex"), core::KeyRole::Admin);
        QVERIFY(!admin.isEmpty() && !member.isEmpty() && !other.isEmpty());
        const QByteArray value = "ghp_value-that-must-not-leak";
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("value"), QString::fromLatin1(value)}})
                .toJson(QJsonDocument::Compact);
        const QString path = QStringLiteral("/tenants/acme/secrets/github_token");
        AGENCY_COMPARE_STATUS(m_fx.http().request("PUT", path, member, body), 403);
        AGENCY_COMPARE_STATUS(m_fx.http().request("PUT", path, {}, body), 401);
        AGENCY_COMPARE_STATUS(m_fx.http().request("PUT", path, other, body), 404);
        const test::HttpReply stored = m_fx.http().request("PUT", path, admin, body);
        AGENCY_COMPARE_STATUS(stored, 200);
        QCOMPARE(stored.json().value(QStringLiteral("name")).toString(), QStringLiteral("github_token"));
        QVERIFY(!stored.body.contains(value));
        const test::HttpReply list = m_fx.http().get(QStringLiteral("/tenants/acme/secrets"), admin);
        AGENCY_COMPARE_STATUS(list, 200);
        QStringList names;
        for (const QJsonValue &item : list.json().value(QStringLiteral("items")).toArray())
            names.append(item.toObject().value(QStringLiteral("name")).toString());
        QCOMPARE(names, (QStringList{QStringLiteral("github_token"), QStringLiteral("slack_bot_token"),
                                     QStringLiteral("slack_signing_secret")}));
        QVERIFY(!list.body.contains(value));
        QVERIFY(!list.body.contains(kBotToken));
        AGENCY_COMPARE_STATUS(m_fx.http().get(QStringLiteral("/tenants/acme/secrets"), member), 403);
        AGENCY_COMPARE_STATUS(
            m_fx.http().request("PUT", QStringLiteral("/tenants/acme/secrets/Bad-Name"), admin, body), 422);
        AGENCY_COMPARE_STATUS(m_fx.http().request("DELETE", path, member), 403);
        AGENCY_COMPARE_STATUS(m_fx.http().request("DELETE", path, admin), 204);
        AGENCY_COMPARE_STATUS(m_fx.http().request("DELETE", path, admin), 404);
        for (const QJsonObject &line : m_fx.http().accessLog())
            QVERIFY(!QJsonDocument(line).toJson().contains(value));
    }
};

QTEST_GUILESS_MAIN(TestSlackEvents)
#include "test_slackevents.moc"
