// `aiagency mcp --tenant T` as an MCP client starts it: the built program against a fresh
// PostgreSQL database with the demo provider, JSON-RPC lines on stdin, and nothing but answers on
// stdout (one JSON object per line; logs go to stderr). Usage mistakes and an unknown tenant are
// refused before anything is served.

#include "clirunner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using test::CliRun;

namespace {

const QByteArray kInitialize =
    R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25",)"
    R"("capabilities":{},"clientInfo":{"name":"test","version":"1"}}})";

QByteArray lines(const QList<QByteArray> &messages)
{
    QByteArray input;
    for (const QByteArray &m : messages)
        input += m + '\n';
    return input;
}

/// Every stdout line as a JSON object, by its id's text ("null" for an error without one); a line
/// that is not a JSON object fails the test.
QHash<QString, QJsonObject> answers(const QString &out)
{
    QHash<QString, QJsonObject> byId;
    for (const QString &line : out.split(u'\n', Qt::SkipEmptyParts)) {
        const QJsonDocument doc = QJsonDocument::fromJson(line.toUtf8());
        if (!doc.isObject())
            qFatal("stdout holds a line that is not a message: %s", qPrintable(line));
        const QJsonValue id = doc.object().value(QStringLiteral("id"));
        byId.insert(id.isNull() ? QStringLiteral("null") : QString::number(id.toInt()), doc.object());
    }
    return byId;
}

QJsonObject structured(const QJsonObject &answer)
{
    return answer.value(QStringLiteral("result"))
        .toObject()
        .value(QStringLiteral("structuredContent"))
        .toObject();
}

} // namespace

class TestMcpCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(QFileInfo(QStringLiteral(AGENCY_CLI)).isExecutable());
        QVERIFY(m_home.isValid());
        QVERIFY2(m_db.start(), qPrintable(m_db.error()));
    }
    void cleanupTestCase() { m_db.stop(); }

    void usageMistakesAreRefused()
    {
        const CliRun none = aiagency({QStringLiteral("mcp")});
        QCOMPARE(none.exitCode, 2);
        QVERIFY2(none.err.contains(QStringLiteral("mcp --tenant T")), qPrintable(none.all()));
        QVERIFY(none.out.isEmpty());
        const CliRun unknown =
            aiagency({QStringLiteral("mcp"), QStringLiteral("--tenant"), QStringLiteral("nobody")},
                     lines({kInitialize}));
        QCOMPARE(unknown.exitCode, 3);
        QVERIFY2(unknown.err.contains(QStringLiteral("nobody")), qPrintable(unknown.all()));
        QVERIFY2(unknown.out.isEmpty(), qPrintable(unknown.all()));
    }

    void servesOneTenantOverStdio()
    {
        for (const char *tenant : {"acme", "globex"}) {
            const CliRun set = aiagency({QStringLiteral("tenants"), QStringLiteral("set"),
                                         QLatin1String(tenant), QStringLiteral("provider=demo")});
            QVERIFY2(set.exitCode == 0, qPrintable(set.all()));
        }
        const CliRun run =
            aiagency({QStringLiteral("mcp"), QStringLiteral("--tenant"), QStringLiteral("acme")},
                     lines({kInitialize, R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                            R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})", "this is not json",
                            R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"ask_weather",)"
                            R"("arguments":{"message":"hello quokka"}}})",
                            R"({"jsonrpc":"2.0","id":4,"method":"nothing/here"})"}));
        QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
        const QHash<QString, QJsonObject> byId = answers(run.out);
        QCOMPARE(byId.size(), 5);
        QCOMPARE(byId.value(QStringLiteral("1"))
                     .value(QStringLiteral("result"))
                     .toObject()
                     .value(QStringLiteral("protocolVersion"))
                     .toString(),
                 QStringLiteral("2025-11-25"));
        QVERIFY(byId.value(QStringLiteral("2"))
                    .value(QStringLiteral("result"))
                    .toObject()
                    .value(QStringLiteral("tools"))
                    .toArray()
                    .size() >= 3);
        QCOMPARE(byId.value(QStringLiteral("null"))
                     .value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toInt(),
                 -32700);
        QCOMPARE(byId.value(QStringLiteral("4"))
                     .value(QStringLiteral("error"))
                     .toObject()
                     .value(QStringLiteral("code"))
                     .toInt(),
                 -32601);
        const QJsonObject asked = structured(byId.value(QStringLiteral("3")));
        QVERIFY2(asked.value(QStringLiteral("answer")).toString().contains(QStringLiteral("hello quokka")),
                 qPrintable(run.all()));

        // Stored like any turn: a later session finds it, another tenant's does not.
        const QByteArray search = R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":)"
                                  R"("search_conversations","arguments":{"query":"quokka"}}})";
        for (const char *tenant : {"acme", "globex"}) {
            const CliRun again =
                aiagency({QStringLiteral("mcp"), QStringLiteral("--tenant"), QLatin1String(tenant)},
                         lines({kInitialize, search}));
            QVERIFY2(again.exitCode == 0, qPrintable(again.all()));
            const QJsonArray hits = structured(answers(again.out).value(QStringLiteral("5")))
                                        .value(QStringLiteral("hits"))
                                        .toArray();
            if (qstrcmp(tenant, "acme") == 0) {
                // The question and the demo answer quoting it: both of that conversation.
                QVERIFY(!hits.isEmpty());
                for (const QJsonValue &hit : hits)
                    QCOMPARE(hit.toObject().value(QStringLiteral("conversation_id")).toString(),
                             asked.value(QStringLiteral("conversation_id")).toString());
            } else {
                QCOMPARE(hits.size(), 0);
            }
        }
    }

private:
    CliRun aiagency(const QStringList &args, const QByteArray &input = {}) const
    {
        return test::CliRunner(QStringLiteral(AGENCY_CLI), m_home.path(),
                               {QStringLiteral("--database-url"), m_db.url()})
            .run(args, input);
    }

    test::CliDatabase m_db;
    QTemporaryDir m_home;
};

QTEST_GUILESS_MAIN(TestMcpCli)
#include "test_mcpcli.moc"
