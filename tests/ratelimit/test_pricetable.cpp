// The price table (built-in defaults, a deployment's override file, model-name matching, bad
// files), the money budget's decision and the response cache's request key — pure values, no
// database (the end-to-end checks are in tests/flows/test_costs.cpp and tests/http).
#include "llm/cachingprovider.h"
#include "ratelimit/budget.h"
#include "ratelimit/pricetable.h"

#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using ratelimit::ModelPrice;
using ratelimit::PriceTable;

class TestPriceTable : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString write(const QByteArray &content)
    {
        static int n = 0;
        const QString path = m_dir.filePath(QStringLiteral("prices-%1.json").arg(++n));
        QFile file(path);
        if (file.open(QIODevice::WriteOnly))
            file.write(content);
        return path;
    }

private Q_SLOTS:
    void builtInPricesCoverTheProvidersModels()
    {
        auto table = PriceTable::load({});
        QVERIFY2(table, qPrintable(table ? QString() : table.error().message));
        QVERIFY(!table->asOf().isEmpty());
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini")),
                 (ModelPrice{0.15, 0.60}));
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4o")), (ModelPrice{2.50, 10.00}));
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4.1-nano")),
                 (ModelPrice{0.10, 0.40}));
        for (const char *model : {"mistral-small-latest", "mistral-medium-latest", "mistral-large-2411"})
            QVERIFY2(table->find(QStringLiteral("mistral"), QLatin1String(model)), model);
        for (const char *provider : {"vertex", "gemini"}) {
            for (const char *model : {"gemini-1.5-flash-002", "gemini-1.5-pro", "gemini-2.0-flash-001",
                                      "gemini-2.5-flash", "gemini-2.5-pro"})
                QVERIFY2(table->find(QLatin1String(provider), QLatin1String(model)), model);
        }
        // The demo provider costs nothing, whatever the model.
        QCOMPARE(table->costUsd(QStringLiteral("demo"), QStringLiteral("anything"), 5000, 5000), 0.0);
    }

    void datedVersionsCostWhatTheirModelCosts()
    {
        auto table = PriceTable::load({});
        QVERIFY(table);
        // The longest entry the name starts with, up to a '-': mini is not priced as gpt-4o.
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini-2024-07-18")),
                 (ModelPrice{0.15, 0.60}));
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4o-2024-08-06")),
                 (ModelPrice{2.50, 10.00}));
        QCOMPARE(table->find(QStringLiteral("OpenAI"), QStringLiteral("gpt-4o")), (ModelPrice{2.50, 10.00}));
        QVERIFY(!table->find(QStringLiteral("openai"), QStringLiteral("gpt-4omni")));
        QVERIFY(!table->find(QStringLiteral("openai"), QStringLiteral("my-finetune")));
        QVERIFY(!table->costUsd(QStringLiteral("nobody"), QStringLiteral("gpt-4o"), 1, 1));
        // 1,000 prompt tokens at $0.15/M and 2,000 completion tokens at $0.60/M.
        QCOMPARE(*table->costUsd(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini"), 1000, 2000),
                 0.00135);
    }

    void aDeploymentFileOverridesAndAdds()
    {
        const QString path = write(R"({"as_of": "2027-01-15", "models": {
            "openai": {"gpt-4o": {"input": 1.0, "output": 4.0}, "my-finetune": {"input": 3, "output": 12}},
            "local": {"*": {"input": 0, "output": 0}}}})");
        auto table = PriceTable::load(path);
        QVERIFY2(table, qPrintable(table ? QString() : table.error().message));
        QCOMPARE(table->asOf(), QStringLiteral("2027-01-15"));
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4o")), (ModelPrice{1.0, 4.0}));
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("my-finetune")), (ModelPrice{3, 12}));
        QCOMPARE(table->find(QStringLiteral("openai"), QStringLiteral("gpt-4o-mini")),
                 (ModelPrice{0.15, 0.60}));
        QCOMPARE(table->find(QStringLiteral("local"), QStringLiteral("llama")), (ModelPrice{0, 0}));
    }

    void badFilesAreRefusedNamingTheEntry_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("message");
        QTest::newRow("not json") << QByteArray("{nope") << QStringLiteral("is not a JSON object");
        QTest::newRow("no models") << QByteArray(R"({"openai": {}})") << QStringLiteral("models");
        QTest::newRow("negative") << QByteArray(
                                         R"({"models": {"openai": {"gpt-4o": {"input": -1, "output": 1}}}})")
                                  << QStringLiteral("models.openai.gpt-4o.input");
        QTest::newRow("missing output") << QByteArray(R"({"models": {"openai": {"gpt-4o": {"input": 1}}}})")
                                        << QStringLiteral("models.openai.gpt-4o.output");
        QTest::newRow("text price")
            << QByteArray(R"({"models": {"mistral": {"mistral-small": {"input": "0.1", "output": 1}}}})")
            << QStringLiteral("models.mistral.mistral-small.input");
        QTest::newRow("currency") << QByteArray(R"({"currency": "EUR", "models": {}})")
                                  << QStringLiteral("currency");
    }

    void badFilesAreRefusedNamingTheEntry()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, message);
        auto table = PriceTable::load(write(content));
        QVERIFY(!table);
        QCOMPARE(table.error().code, core::ErrorCode::InvalidArgument);
        QVERIFY2(table.error().message.contains(message), qPrintable(table.error().message));
        QVERIFY2(table.error().message.contains(QStringLiteral("LLM_PRICES_FILE")),
                 qPrintable(table.error().message));
    }

    void aMissingFileIsAnError()
    {
        auto table = PriceTable::load(m_dir.filePath(QStringLiteral("absent.json")));
        QVERIFY(!table);
        QVERIFY(table.error().message.startsWith(QStringLiteral("LLM_PRICES_FILE: cannot read")));
    }

    void budgetRefusesOnceSpentUntilTheNextPeriod()
    {
        using ratelimit::BudgetedRateLimiter;
        using ratelimit::TenantBudget;
        const QDateTime now(QDate(2026, 12, 7), QTime(22, 0), Qt::UTC);
        const TenantBudget budget = TenantBudget::parse(
            QJsonObject{{QStringLiteral("budget"), QJsonObject{{QStringLiteral("usd_per_day"), 5},
                                                               {QStringLiteral("usd_per_month"), 100}}}});
        QVERIFY(budget.limited());
        QVERIFY(!BudgetedRateLimiter::refusal(QStringLiteral("t"), budget, {4.99, 50}, now));
        auto day = BudgetedRateLimiter::refusal(QStringLiteral("t"), budget, {5.0, 50}, now);
        QVERIFY(day);
        QCOMPARE(day->code, core::ErrorCode::RateLimited);
        QCOMPARE(day->details.value(QStringLiteral("window")).toString(), QStringLiteral("day"));
        QCOMPARE(day->details.value(QStringLiteral("retry_after_ms")).toInteger(), 2 * 3600 * 1000);
        QVERIFY2(day->message.contains(QStringLiteral("renews on 2026-12-08")), qPrintable(day->message));
        // Both spent: the month is what matters.
        auto month = BudgetedRateLimiter::refusal(QStringLiteral("t"), budget, {6, 100}, now);
        QVERIFY(month);
        QCOMPARE(month->details.value(QStringLiteral("window")).toString(), QStringLiteral("month"));
        QCOMPARE(month->details.value(QStringLiteral("retry_after_ms")).toInteger(),
                 now.msecsTo(QDateTime(QDate(2027, 1, 1), QTime(0, 0), Qt::UTC)));
        QVERIFY(!TenantBudget::parse({}).limited());
        QVERIFY(TenantBudget::validate(QJsonObject{{QStringLiteral("budget"), 5}})
                    .error()
                    .message.startsWith(QStringLiteral("budget:")));
        QCOMPARE(TenantBudget::validate(QJsonObject{{QStringLiteral("budget"),
                                                     QJsonObject{{QStringLiteral("usd_per_week"), 5}}}})
                     .error()
                     .details.value(QStringLiteral("field"))
                     .toString(),
                 QStringLiteral("budget.usd_per_week"));
    }

    void cacheKeyCoversTheWholeRequest()
    {
        llm::CompletionRequest base;
        base.messages = {core::ChatMessage{core::Role::System, QStringLiteral("Be brief."), {}, {}, {}},
                         core::ChatMessage{core::Role::User, QStringLiteral("Hi"), {}, {}, {}}};
        base.temperature = 0.2;
        const auto key = [](const llm::CompletionRequest &r,
                            const QString &provider = QStringLiteral("openai"),
                            const QString &model = QStringLiteral("gpt-4o")) {
            return llm::CachingProvider::requestKey(r, provider, model);
        };
        QCOMPARE(key(base), key(base));
        QCOMPARE(key(base).size(), 64);
        QVERIFY(key(base) != key(base, QStringLiteral("mistral")));
        QVERIFY(key(base) != key(base, QStringLiteral("openai"), QStringLiteral("gpt-4o-mini")));
        llm::CompletionRequest other = base;
        other.messages.last().content = QStringLiteral("Hi!");
        QVERIFY(key(base) != key(other));
        other = base;
        other.messages.first().content = QStringLiteral("Be verbose.");
        QVERIFY(key(base) != key(other));
        other = base;
        other.temperature = 0.3;
        QVERIFY(key(base) != key(other));
        other = base;
        other.maxTokens = 100;
        QVERIFY(key(base) != key(other));
        other = base;
        other.tools = {core::ToolDefinition{QStringLiteral("get_weather"), QStringLiteral("Weather"), {}}};
        QVERIFY(key(base) != key(other));
        other.toolChoice = llm::ToolChoice::none();
        QVERIFY(key(base) != key(other));
        other = base;
        other.responseFormat.kind = core::ResponseFormat::Kind::JsonObject;
        QVERIFY(key(base) != key(other));

        llm::Completion answer;
        answer.content = QStringLiteral("Hello.");
        answer.finishReason = llm::finish::Stop;
        answer.provider = QStringLiteral("openai");
        answer.model = QStringLiteral("gpt-4o");
        answer.usage = core::Usage{10, 2, 12};
        auto back = llm::CachingProvider::completionFromJson(llm::CachingProvider::completionToJson(answer));
        QVERIFY(back);
        QCOMPARE(back->content, answer.content);
        QCOMPARE(back->model, answer.model);
        QVERIFY(back->cached);
        QCOMPARE(back->usage, core::Usage{}); // a hit costs no tokens
        QVERIFY(!llm::CachingProvider::completionFromJson(QJsonObject{}));
    }
};

QTEST_GUILESS_MAIN(TestPriceTable)
#include "test_pricetable.moc"
