// `aiagency chat` as a user runs it: the built program, the demo provider (no key, no network),
// get_weather pointed at the fake weather server with --set, a fresh PostgreSQL database given
// with --database-url. The answer streams to stdout, tool calls and the conversation id go to
// stderr, the turn is in the database, and errors exit non-zero with a clear message.

#include "clirunner.h"
#include "db/conversationrepository.h"
#include "fakeweatherserver.h"
#include "sql/dbexecutor.h"
#include "testpostgres.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using test::FakeWeatherServer;

namespace {

using Run = test::CliRun;

QString roles(const QList<core::Message> &messages)
{
    QStringList out;
    for (const core::Message &m : messages)
        out.append(core::roleName(m.role));
    return out.join(u',');
}

} // namespace

class TestChatCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanupTestCase();

    void weatherTurnWithDemoProvider();
    void continueConversation();
    void sameTurnIdTwiceStoresOneTurn();
    void weatherServiceDown();
    void unknownFlow();
    void unknownProviderIsNotFoundToo();
    void otherTenantsConversation();
    void invalidTenant();
    void missingArguments();

private:
    /// The program against this test's database and fake weather server, in this test's directory.
    test::CliRunner cli() const;
    /// Runs `aiagency <global options> chat <args>` in a clean environment. Waits while processing
    /// events: the fake weather server answers on this thread.
    Run chat(const QStringList &args, int timeoutMs = 40000);
    QList<core::Message> stored(const QString &tenant, const QUuid &conversation);

    test::CliDatabase m_db;
    std::unique_ptr<db::ConversationRepository> m_repo;
    FakeWeatherServer m_weather;
    QTemporaryDir m_home;
    QString m_work;
};

void TestChatCli::initTestCase()
{
    QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
    QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    m_repo = std::make_unique<db::ConversationRepository>(m_db.executor());
    QVERIFY(m_weather.listen());
    m_weather.addDefaultPlaces();
    QVERIFY(m_home.isValid());
}

void TestChatCli::init()
{
    static int serial = 0;
    m_work = m_home.filePath(QStringLiteral("work-%1").arg(++serial));
    QVERIFY(QDir().mkpath(m_work + QStringLiteral("/config")));
    m_weather.setBehaviour(FakeWeatherServer::Behaviour::Normal);
    m_weather.clearRequests();
}

void TestChatCli::cleanupTestCase()
{
    m_repo.reset();
    m_db.stop();
}

test::CliRunner TestChatCli::cli() const
{
    const QString url = m_db.url();
    const QString origin = m_weather.baseUrl().toString();
    return test::CliRunner(QStringLiteral(AGENCY_CLI), m_work,
                           {QStringLiteral("--database-url"), url, QStringLiteral("--set"),
                            QStringLiteral("OPEN_METEO_BASE_URL=") + origin + QStringLiteral("/meteo/v1"),
                            QStringLiteral("--set"),
                            QStringLiteral("OPEN_METEO_GEOCODING_URL=") + origin + QStringLiteral("/geo/v1"),
                            QStringLiteral("--set"), QStringLiteral("WEATHER_HTTP_TIMEOUT_MS=3000")});
}

Run TestChatCli::chat(const QStringList &args, int timeoutMs)
{
    return cli().run(QStringList{QStringLiteral("chat")} + args, {}, timeoutMs);
}

QList<core::Message> TestChatCli::stored(const QString &tenant, const QUuid &conversation)
{
    auto history = test::await(m_repo->history(tenant, conversation, 1000));
    if (!history) {
        // Fail the test here: an empty list would read as "nothing was stored".
        QTest::qFail(qPrintable(QStringLiteral("stored messages: ") + history.error().toString()), __FILE__,
                     __LINE__);
        return {};
    }
    return history.value();
}

void TestChatCli::weatherTurnWithDemoProvider()
{
    const Run r = chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                        QStringLiteral("weather"), QStringLiteral("What's the weather in Paris?")});
    QVERIFY2(r.exitCode == 0 && !r.crashed, qPrintable(r.all()));
    QVERIFY2(r.out.contains(QStringLiteral("14.2")), qPrintable(r.all())); // the fake's temperature
    QVERIFY2(r.err.contains(QStringLiteral("get_weather")), qPrintable(r.all()));
    const QUuid id = r.conversation();
    QVERIFY2(!id.isNull(), qPrintable(r.all()));
    QVERIFY(r.err.contains(QStringLiteral("demo/")));
    QCOMPARE(m_weather.countRequests(QStringLiteral("/search")), 1);

    const QList<core::Message> messages = stored(QStringLiteral("acme"), id);
    QCOMPARE(roles(messages), QStringLiteral("user,assistant,tool,assistant"));
    QCOMPARE(messages.at(0).content, QStringLiteral("What's the weather in Paris?"));
    QCOMPARE(messages.at(1).toolCalls.size(), 1);
    QVERIFY(messages.at(2).content.contains(QStringLiteral("14.2")));
    QVERIFY(r.out.contains(messages.at(3).content.left(20)));
    auto conversation = test::await(m_repo->getConversation(QStringLiteral("acme"), id));
    AGENCY_VERIFY_OK(conversation);
    QCOMPARE(conversation->flowType, QStringLiteral("weather"));
    QCOMPARE(conversation->title, QStringLiteral("What's the weather in Paris?"));
}

void TestChatCli::continueConversation()
{
    const Run first = chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                            QStringLiteral("weather"), QStringLiteral("What's the weather in Berlin?")});
    QVERIFY2(first.exitCode == 0, qPrintable(first.all()));
    const QUuid id = first.conversation();
    QVERIFY(!id.isNull());
    const Run second =
        chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
              QStringLiteral("weather"), QStringLiteral("--conversation"), id.toString(QUuid::WithoutBraces),
              QStringLiteral("What's the weather in London?")});
    QVERIFY2(second.exitCode == 0, qPrintable(second.all()));
    QCOMPARE(second.conversation(), id);
    QVERIFY2(second.out.contains(QStringLiteral("11")), qPrintable(second.all()));
    QCOMPARE(roles(stored(QStringLiteral("acme"), id)),
             QStringLiteral("user,assistant,tool,assistant,user,assistant,tool,assistant"));
}

void TestChatCli::sameTurnIdTwiceStoresOneTurn()
{
    const QStringList args{QStringLiteral("--tenant"),
                           QStringLiteral("acme"),
                           QStringLiteral("--flow"),
                           QStringLiteral("weather"),
                           QStringLiteral("--turn-id"),
                           QStringLiteral("job-7/paris"),
                           QStringLiteral("What's the weather in Paris today?")};
    const Run first = chat(args);
    QVERIFY2(first.exitCode == 0, qPrintable(first.all()));
    // A script that could not tell whether the first run worked runs it again.
    const Run again = chat(args);
    QVERIFY2(again.exitCode == 0, qPrintable(again.all()));
    QCOMPARE(again.conversation(), first.conversation());
    const QList<core::Message> messages = stored(QStringLiteral("acme"), first.conversation());
    QCOMPARE(roles(messages), QStringLiteral("user,assistant,tool,assistant"));
    QVERIFY2(again.out.contains(messages.last().content.left(20)), qPrintable(again.all()));

    const Run bad = chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                          QStringLiteral("weather"), QStringLiteral("--turn-id"), QString(300, u'x'),
                          QStringLiteral("Hello")});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY2(bad.err.contains(QStringLiteral("--turn-id")), qPrintable(bad.all()));
}

void TestChatCli::weatherServiceDown()
{
    m_weather.setBehaviour(FakeWeatherServer::Behaviour::ServerError);
    // Without the cache: Paris may already be cached from another test.
    const Run r = chat({QStringLiteral("--set"), QStringLiteral("WEATHER_CACHE_TTL_S=0"),
                        QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                        QStringLiteral("weather"), QStringLiteral("What's the weather in Paris?")});
    // A failed lookup is a tool result the agent answers from, not a failed turn.
    QVERIFY2(r.exitCode == 0, qPrintable(r.all()));
    QVERIFY2(r.err.contains(QStringLiteral("get_weather failed")), qPrintable(r.all()));
    const QList<core::Message> messages = stored(QStringLiteral("acme"), r.conversation());
    QCOMPARE(roles(messages), QStringLiteral("user,assistant,tool,assistant"));
    QVERIFY(messages.at(2).content.contains(QStringLiteral("\"success\":false")));
}

void TestChatCli::unknownFlow()
{
    const Run r = chat({QStringLiteral("--tenant"), QStringLiteral("nosuch-tenant"), QStringLiteral("--flow"),
                        QStringLiteral("nosuch"), QStringLiteral("Hello")});
    QVERIFY2(r.exitCode == 3 && !r.crashed, qPrintable(r.all())); // not found
    QVERIFY2(r.err.contains(QStringLiteral("flow \"nosuch\" does not exist")), qPrintable(r.all()));
    QVERIFY(r.conversation().isNull());
    auto list = test::await(m_repo->listConversations({QStringLiteral("nosuch-tenant"), {}, 10, {}}));
    AGENCY_VERIFY_OK(list);
    QVERIFY(list->items.isEmpty());
}

void TestChatCli::unknownProviderIsNotFoundToo()
{
    // The same class of mistake as an unknown flow, so the same exit code.
    const Run r = chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                        QStringLiteral("weather"), QStringLiteral("--provider"), QStringLiteral("nosuch"),
                        QStringLiteral("Hello")});
    QVERIFY2(r.exitCode == 3 && !r.crashed, qPrintable(r.all()));
    QVERIFY2(r.err.contains(QStringLiteral("unknown provider \"nosuch\"")), qPrintable(r.all()));
}

void TestChatCli::otherTenantsConversation()
{
    const Run first = chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("--flow"),
                            QStringLiteral("weather"), QStringLiteral("Hello")});
    QVERIFY2(first.exitCode == 0, qPrintable(first.all()));
    const QUuid id = first.conversation();
    const Run other = chat({QStringLiteral("--tenant"), QStringLiteral("globex"), QStringLiteral("--flow"),
                            QStringLiteral("weather"), QStringLiteral("--conversation"),
                            id.toString(QUuid::WithoutBraces), QStringLiteral("Hello again")});
    QVERIFY2(other.exitCode == 3 && !other.crashed, qPrintable(other.all())); // not found
    QVERIFY2(other.err.contains(QStringLiteral("not found")), qPrintable(other.all()));
    QCOMPARE(stored(QStringLiteral("acme"), id).size(), 2);
}

void TestChatCli::invalidTenant()
{
    const Run r = chat({QStringLiteral("--tenant"), QStringLiteral("bad tenant!"), QStringLiteral("--flow"),
                        QStringLiteral("weather"), QStringLiteral("Hello")},
                       8000);
    // AgencyService::chat refuses the tenant id with an already finished future: the program
    // must still exit (it once called exit() before exec() had started, and hung).
    QVERIFY2(r.exitCode == 2 && !r.crashed, qPrintable(r.all())); // invalid input
    QVERIFY2(r.err.contains(QStringLiteral("tenant_id")), qPrintable(r.all()));
}

void TestChatCli::missingArguments()
{
    const Run r = chat({QStringLiteral("--tenant"), QStringLiteral("acme"), QStringLiteral("Hello")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(QStringLiteral("--flow")), qPrintable(r.all()));
}

QTEST_GUILESS_MAIN(TestChatCli)
#include "test_chatcli.moc"
