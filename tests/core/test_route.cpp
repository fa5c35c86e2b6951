// Route and capability-rule syntax: what parses, its canonical form, and the errors that name the
// wrong part.

#include "core/route.h"

#include <QTest>

using namespace agency::core;

class TestRoute : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesTargetsWeightsAndOptions()
    {
        auto route = Route::parse(QStringLiteral(
            " OpenAI:gpt-4o-mini*3 , mistral:mistral-small-latest*1, openai:llama3.1:8b, vertex ;"
            " on=408, 422 ; small=openai:gpt-4o-mini"));
        QVERIFY2(route.ok(), qPrintable(route ? QString() : route.error().message));
        QCOMPARE(route->targets.size(), 4);
        QCOMPARE(route->targets.at(0),
                 (RouteTarget{QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), 3}));
        QCOMPARE(route->targets.at(2).model, QStringLiteral("llama3.1:8b")); // Ollama's tag survives
        QCOMPARE(route->targets.at(3), (RouteTarget{QStringLiteral("vertex"), QString(), 0}));
        QCOMPARE(route->fallbackStatuses, (QList<int>{408, 422}));
        QCOMPARE(route->small->key(), QStringLiteral("openai:gpt-4o-mini"));
        QCOMPARE(route->toString(),
                 QStringLiteral("openai:gpt-4o-mini*3,mistral:mistral-small-latest*1,"
                                "openai:llama3.1:8b,vertex;on=408,422;small=openai:gpt-4o-mini"));
        QCOMPARE(Route::parse(route->toString())->toString(), route->toString());
        QVERIFY(Route::parse(QString())->isEmpty());
    }

    void refusesWhatIsWrong_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("names");
        QTest::newRow("weight 0") << QStringLiteral("openai:gpt*0") << QStringLiteral("weight");
        QTest::newRow("no provider") << QStringLiteral(":gpt-4o") << QStringLiteral("is not provider:model");
        QTest::newRow("status") << QStringLiteral("openai;on=200") << QStringLiteral("HTTP status");
        QTest::newRow("option") << QStringLiteral("openai;retry=3") << QStringLiteral("unknown option");
        QTest::newRow("only options") << QStringLiteral(";on=500") << QStringLiteral("names no target");
        QTest::newRow("weighted small")
            << QStringLiteral("openai;small=mistral*2") << QStringLiteral("weight");
    }

    void refusesWhatIsWrong()
    {
        QFETCH(QString, text);
        QFETCH(QString, names);
        auto route = Route::parse(text);
        QVERIFY(!route);
        QCOMPARE(route.error().code, ErrorCode::InvalidArgument);
        QVERIFY2(route.error().message.contains(names), qPrintable(route.error().message));
    }

    void capabilityRules()
    {
        auto rules = CapabilityRule::parseList(
            QStringLiteral("openai:*=images,context=128000; openai:gpt-3.5*=no-json_schema,no-images"));
        QVERIFY(rules.ok());
        ModelCapabilities caps;
        for (const CapabilityRule &rule : rules.value()) {
            if (rule.matches(QStringLiteral("openai"), QStringLiteral("gpt-3.5-turbo")))
                rule.applyTo(caps);
        }
        QVERIFY(!caps.jsonSchema);
        QVERIFY(!caps.imageInput);
        QVERIFY(caps.tools);
        QCOMPARE(caps.contextTokens, 128000);
        QVERIFY(!rules->at(1).matches(QStringLiteral("openai"), QStringLiteral("gpt-4o")));

        CapabilityNeeds needs;
        needs.jsonSchema = true;
        QCOMPARE(needs.missingFrom(caps), QStringLiteral("JSON schema output"));
        needs.jsonSchema = false;
        needs.tokens = 200000;
        QCOMPARE(needs.missingFrom(caps), QStringLiteral("a context of 200000 tokens"));

        auto bad = CapabilityRule::parseList(QStringLiteral("openai:*=telepathy"));
        QVERIFY(!bad);
        QVERIFY2(bad.error().message.contains(QStringLiteral("telepathy")), qPrintable(bad.error().message));
    }

    void attemptsRoundTrip()
    {
        RouteAttempt attempt{QStringLiteral("mistral"),
                             QStringLiteral("m"),
                             QStringLiteral("provider_timeout"),
                             1500,
                             Usage{3, 4, 7},
                             0};
        const RouteAttempt back = RouteAttempt::fromJson(attempt.toJson());
        QCOMPARE(back.provider, attempt.provider);
        QCOMPARE(back.outcome, attempt.outcome);
        QCOMPARE(back.latencyMs, 1500);
        QCOMPARE(back.usage, attempt.usage);
    }
};

QTEST_GUILESS_MAIN(TestRoute)
#include "test_route.moc"
