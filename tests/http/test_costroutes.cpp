// Money over HTTP, end to end: the in-process server on port 0, a real PostgreSQL and the OpenAI
// adapter against FakeOpenAiServer (which counts its calls). GET /tenants/{id}/usage shows each
// day's cost next to its tokens, and a tenant whose money budget is spent is refused with 429 and
// Retry-After before the provider is called: the agency error envelope on /chat, OpenAI's error
// shape (validated against its published schema) on /v1/chat/completions.
#include "jsonschemavalidator.h"
#include "serverfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace agency;
using agency::test::JsonSchemaValidator;
using agency::test::RawResponse;
namespace openai = agency::test::openai;

namespace {

const QString kTenant = QString::fromLatin1(test::ServerFixture::kTenant);

QByteArray chatBody(const QString &message)
{
    return QJsonDocument(
               QJsonObject{{QStringLiteral("message"), message}, {QStringLiteral("tenant_id"), kTenant}})
        .toJson(QJsonDocument::Compact);
}

} // namespace

class TestCostRoutes : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;
    QTemporaryDir m_dir;

    /// Prices the fake's model at $2 (input) and $10 (output) per million tokens.
    QString priceFile()
    {
        const QString path = m_dir.filePath(QStringLiteral("prices.json"));
        QFile file(path);
        if (file.open(QIODevice::WriteOnly))
            file.write(
                R"({"as_of": "2026-12-01", "models": {"openai": {"gpt-fake": {"input": 2, "output": 10}}}})");
        return path;
    }

    void setBudget(double usdPerDay)
    {
        auto updated = test::await(m_fx.engine().service().updateTenant(
            kTenant, std::nullopt,
            QJsonObject{
                {QStringLiteral("budget"), QJsonObject{{QStringLiteral("usd_per_day"), usdPerDay}}}}));
        AGENCY_VERIFY_OK(updated);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error()));
    }
    void init()
    {
        QVERIFY2(m_fx.startServer({{QStringLiteral("LLM_PRICES_FILE"), priceFile()}}),
                 qPrintable(m_fx.error()));
    }
    void cleanup() { m_fx.stopServer(); }

    void usageShowsCostNextToTokens()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Four.")}, {}, core::Usage{1000, 500, 1500}));
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Six.")}, {}, core::Usage{2000, 100, 2100}));
        QCOMPARE(m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("2+2?"))).status, 200);
        QCOMPARE(m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("3+3?"))).status, 200);
        // The engine's manual clock dates the calls in November 2023.
        const RawResponse usage = m_fx.request("GET", "/tenants/acme/usage?from=2023-11-01&to=2023-12-01");
        QCOMPARE(usage.status, 200);
        const QJsonArray items = usage.json().value(QStringLiteral("items")).toArray();
        QCOMPARE(items.size(), 1);
        const QJsonObject row = items.at(0).toObject();
        QCOMPARE(row.value(QStringLiteral("total_tokens")).toInteger(), 3600);
        QCOMPARE(row.value(QStringLiteral("calls")).toInteger(), 2);
        // $0.007 + $0.005 (2,000 × $2/M + 100 × $10/M).
        QCOMPARE(row.value(QStringLiteral("cost_usd")).toDouble(), 0.012);
        QCOMPARE(row.value(QStringLiteral("unpriced_calls")).toInteger(), 0);
    }

    void spentBudgetIs429OnChat()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Four.")}, {}, core::Usage{1000, 500, 1500}));
        setBudget(0.005);
        QCOMPARE(m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("2+2?"))).status, 200);
        const RawResponse refused =
            m_fx.request("POST", "/chat/consulting", chatBody(QStringLiteral("3+3?")));
        QCOMPARE(refused.status, 429);
        QVERIFY(refused.header("retry-after").toLongLong() >= 1);
        const QJsonObject error = refused.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("rate_limited"));
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("daily budget")),
                 refused.body.constData());
        const QJsonObject details = error.value(QStringLiteral("details")).toObject();
        QCOMPARE(details.value(QStringLiteral("reason")).toString(), QStringLiteral("budget"));
        QCOMPARE(details.value(QStringLiteral("spent_usd")).toDouble(), 0.007);
        QCOMPARE(m_fx.llm().chatRequests().size(), 1);
    }

    void spentBudgetIs429InOpenAiShape()
    {
        setBudget(0); // nothing may be spent
        const QByteArray body =
            QJsonDocument(
                QJsonObject{{QStringLiteral("model"), QStringLiteral("consulting")},
                            {QStringLiteral("messages"),
                             QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                                    {QStringLiteral("content"), QStringLiteral("Hi")}}}}})
                .toJson(QJsonDocument::Compact);
        const RawResponse refused = m_fx.request("POST", "/v1/chat/completions", body);
        QCOMPARE(refused.status, 429);
        QVERIFY(refused.header("retry-after").toLongLong() >= 1);
        QFile file(QFINDTESTDATA(QStringLiteral("../llm/schemas/openai-error.schema.json")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(
            JsonSchemaValidator(QJsonDocument::fromJson(file.readAll()).object()).validate(refused.json()),
            QStringList());
        const QJsonObject error = refused.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("rate_limit_error"));
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("budget")),
                 refused.body.constData());
        QCOMPARE(m_fx.llm().chatRequests().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestCostRoutes)
#include "test_costroutes.moc"
