// DATABASE_URL parsing: both URL forms, percent-decoding, defaults, libpq options, errors.
#include "sql/connectionparams.h"

#include <QTest>

using agency::core::ErrorCode;
using agency::sql::ConnectionParams;
using agency::sql::parseDatabaseUrl;

#define VERIFY_OK(result)                                                                                    \
    QVERIFY2((result).ok(), (result).ok() ? "" : qPrintable((result).error().toString()))

class TestConnectionParams : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parses_data();
    void parses();
    void percentDecoding();
    void extraQueryParamsBecomeConnectOptions();
    void rejects_data();
    void rejects();
    void errorsNeverShowThePassword();
    void describeHidesPassword();
};

void TestConnectionParams::parses_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("host");
    QTest::addColumn<int>("port");
    QTest::addColumn<QString>("database");
    QTest::addColumn<QString>("user");
    QTest::addColumn<QString>("password");

    QTest::newRow("tcp, everything") << QStringLiteral("postgresql://agency:pw@db.example.com:6543/agencydb")
                                     << QStringLiteral("db.example.com") << 6543 << QStringLiteral("agencydb")
                                     << QStringLiteral("agency") << QStringLiteral("pw");
    QTest::newRow("postgres scheme") << QStringLiteral("postgres://u:p@10.0.0.7:5433/d")
                                     << QStringLiteral("10.0.0.7") << 5433 << QStringLiteral("d")
                                     << QStringLiteral("u") << QStringLiteral("p");
    QTest::newRow("default port") << QStringLiteral("postgresql://u@db/d") << QStringLiteral("db") << 5432
                                  << QStringLiteral("d") << QStringLiteral("u") << QString();
    QTest::newRow("default db is the user")
        << QStringLiteral("postgresql://alice@db:5432") << QStringLiteral("db") << 5432
        << QStringLiteral("alice") << QStringLiteral("alice") << QString();
    QTest::newRow("default db without user is postgres")
        << QStringLiteral("postgresql://db/") << QStringLiteral("db") << 5432 << QStringLiteral("postgres")
        << QString() << QString();
    QTest::newRow("socket dir in query")
        << QStringLiteral("postgresql:///agency?host=/run/aiagency-pg&user=aiagency")
        << QStringLiteral("/run/aiagency-pg") << 5432 << QStringLiteral("agency")
        << QStringLiteral("aiagency") << QString();
    QTest::newRow("no host at all is the system socket")
        << QStringLiteral("postgresql:///agency") << QStringLiteral("/var/run/postgresql") << 5432
        << QStringLiteral("agency") << QString() << QString();
    QTest::newRow("query overrides port, dbname, password")
        << QStringLiteral("postgresql://u@h/ignored?port=7000&dbname=real&password=qp") << QStringLiteral("h")
        << 7000 << QStringLiteral("real") << QStringLiteral("u") << QStringLiteral("qp");
    QTest::newRow("libpq percent-encoded socket host")
        << QStringLiteral("postgresql://aiagency@%2Fvar%2Frun%2Fpostgresql:5433/agency")
        << QStringLiteral("/var/run/postgresql") << 5433 << QStringLiteral("agency")
        << QStringLiteral("aiagency") << QString();
    QTest::newRow("ipv6") << QStringLiteral("postgresql://u:p@[::1]:5544/d") << QStringLiteral("::1") << 5544
                          << QStringLiteral("d") << QStringLiteral("u") << QStringLiteral("p");
    QTest::newRow("surrounding whitespace")
        << QStringLiteral("  postgresql://u@h/d \n") << QStringLiteral("h") << 5432 << QStringLiteral("d")
        << QStringLiteral("u") << QString();
}

void TestConnectionParams::parses()
{
    QFETCH(QString, url);
    auto params = parseDatabaseUrl(url);
    VERIFY_OK(params);
    QTEST(params->host, "host");
    QTEST(params->port, "port");
    QTEST(params->database, "database");
    QTEST(params->user, "user");
    QTEST(params->password, "password");
    QVERIFY(!params->embedded);
    QCOMPARE(params->connectOptions, QString());
}

void TestConnectionParams::percentDecoding()
{
    auto params = parseDatabaseUrl(QStringLiteral("postgresql://us%40er:p%40ss%3Aw%2Fo%25rd@db/my%20db"));
    VERIFY_OK(params);
    QCOMPARE(params->user, QStringLiteral("us@er"));
    QCOMPARE(params->password, QStringLiteral("p@ss:w/o%rd"));
    QCOMPARE(params->database, QStringLiteral("my db"));
    QCOMPARE(params->host, QStringLiteral("db"));

    auto socket =
        parseDatabaseUrl(QStringLiteral("postgresql:///d?host=%2Ftmp%2Fpg%20sock&user=a%2Bb&password=x%26y"));
    VERIFY_OK(socket);
    QCOMPARE(socket->host, QStringLiteral("/tmp/pg sock"));
    QCOMPARE(socket->user, QStringLiteral("a+b"));
    QCOMPARE(socket->password, QStringLiteral("x&y"));
}

void TestConnectionParams::extraQueryParamsBecomeConnectOptions()
{
    auto params = parseDatabaseUrl(
        QStringLiteral("postgresql://u@h/d?sslmode=require&connect_timeout=3&application_name=my%20app"));
    VERIFY_OK(params);
    QCOMPARE(params->connectOptions,
             QStringLiteral("sslmode=require;connect_timeout=3;application_name=my app"));
    // Parameters with a dedicated field are not duplicated into the options.
    auto mixed = parseDatabaseUrl(QStringLiteral("postgresql:///d?host=/s&sslmode=disable&user=x&port=5433"));
    VERIFY_OK(mixed);
    QCOMPARE(mixed->connectOptions, QStringLiteral("sslmode=disable"));
    QCOMPARE(mixed->port, 5433);
}

void TestConnectionParams::rejects_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("mention");
    QTest::newRow("mysql") << QStringLiteral("mysql://u:p@h/d") << QStringLiteral("postgresql://");
    QTest::newRow("no scheme") << QStringLiteral("localhost:5432/agency") << QStringLiteral("postgresql://");
    QTest::newRow("empty") << QString() << QStringLiteral("postgresql://");
    QTest::newRow("postgresql without //")
        << QStringLiteral("postgresql:agency") << QStringLiteral("postgresql://");
    QTest::newRow("port too big") << QStringLiteral("postgresql://u@h:99999/d")
                                  << QStringLiteral("DATABASE_URL");
    QTest::newRow("port not a number")
        << QStringLiteral("postgresql://u@h:abc/d") << QStringLiteral("DATABASE_URL");
    QTest::newRow("query port zero") << QStringLiteral("postgresql:///d?port=0") << QStringLiteral("port");
    QTest::newRow("query port junk") << QStringLiteral("postgresql:///d?port=fast") << QStringLiteral("port");
}

void TestConnectionParams::rejects()
{
    QFETCH(QString, url);
    QFETCH(QString, mention);
    auto params = parseDatabaseUrl(url);
    QVERIFY2(!params.ok(), qPrintable(url));
    QCOMPARE(params.error().code, ErrorCode::NotConfigured);
    QVERIFY2(params.error().message.contains(mention), qPrintable(params.error().message));
}

void TestConnectionParams::errorsNeverShowThePassword()
{
    for (const QString &url : {QStringLiteral("postgresql://agency:hunter2secret@h:99999/d"),
                               QStringLiteral("postgresql://agency:hunter2secret@bad host/d"),
                               QStringLiteral("postgresql://agency:hunter2secret@h/d?port=x")}) {
        auto params = parseDatabaseUrl(url);
        QVERIFY2(!params.ok(), qPrintable(url));
        QVERIFY2(!params.error().message.contains(QStringLiteral("hunter2")),
                 qPrintable(params.error().message));
        QVERIFY2(!params.error().toString().contains(QStringLiteral("hunter2")),
                 qPrintable(params.error().toString()));
    }
}

void TestConnectionParams::describeHidesPassword()
{
    auto tcp = parseDatabaseUrl(QStringLiteral("postgresql://agency:topsecret@db.example:6000/agencydb"));
    VERIFY_OK(tcp);
    const QString text = tcp->describe();
    QVERIFY2(!text.contains(QStringLiteral("topsecret")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("external")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("db.example:6000")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("agencydb")), qPrintable(text));

    ConnectionParams embedded;
    embedded.host = QStringLiteral("/tmp/aiagency-pg-abc");
    embedded.database = QStringLiteral("aiagency");
    embedded.user = QStringLiteral("aiagency");
    embedded.embedded = true;
    const QString local = embedded.describe();
    QVERIFY2(local.contains(QStringLiteral("embedded")), qPrintable(local));
    QVERIFY2(local.contains(QStringLiteral("socket /tmp/aiagency-pg-abc")), qPrintable(local));
}

QTEST_GUILESS_MAIN(TestConnectionParams)
#include "test_connectionparams.moc"
