// search_documents (tools/searchdocumentstool.h) through the registry, against a DocumentSearch
// written here, and flows::resolveCitations() over its results: numbering continues across the
// calls of one turn, only numbers of real hits become citations.
#include "core/citationjson.h"
#include "flows/citations.h"
#include "futurewait.h"
#include "tools/searchdocumentstool.h"
#include "tools/toolregistry.h"

#include <QJsonArray>
#include <QTest>

using namespace agency;

namespace {

tools::ToolResult awaitTool(const QFuture<tools::ToolResult> &future)
{
    if (!QTest::qWaitFor([&future] { return future.isFinished(); }, 5000))
        return tools::ToolResult::fromError(
            core::makeError(core::ErrorCode::Internal, QStringLiteral("test timeout")));
    return future.result();
}

class RecordingSearch : public tools::DocumentSearch
{
public:
    core::Async<core::DocumentSearchResult> search(const core::DocumentSearchQuery &query) override
    {
        queries.append(query);
        if (failWith)
            return core::failedAsync<core::DocumentSearchResult>(*failWith);
        return core::readyAsync<core::DocumentSearchResult>(result);
    }
    QList<core::DocumentSearchQuery> queries;
    core::DocumentSearchResult result;
    std::optional<core::Error> failWith;
};

core::DocumentHit hit(const QString &title, int page, qint64 chunk, qint64 start, const QString &text)
{
    core::DocumentHit h;
    h.documentId = QUuid::createUuid();
    h.title = title;
    h.page = page;
    h.chunkId = chunk;
    h.start = start;
    h.end = start + text.size();
    h.text = text;
    return h;
}

} // namespace

class TestSearchDocumentsTool : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void searchesTheTurnsTenantAndNumbersHits();
    void saysWhenDocumentsAreStillIndexing();
    void validatesArguments();
    void failuresAreResults();
    void citationsResolveOnlyRealHits();

private:
    tools::ToolResult run(tools::ToolRegistry &registry, const QJsonObject &args,
                          const tools::ToolContext &context)
    {
        return awaitTool(registry.execute(QStringLiteral("search_documents"), args, {}, 0, context));
    }
};

void TestSearchDocumentsTool::searchesTheTurnsTenantAndNumbersHits()
{
    RecordingSearch search;
    search.result.hits = {hit(QStringLiteral("Brief"), 3, 11, 100, QStringLiteral("budget is 40k")),
                          hit(QStringLiteral("Contract"), 0, 12, 0, QStringLiteral("notice: 30 days"))};
    tools::ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<tools::SearchDocumentsTool>(&search)));
    auto counter = std::make_shared<std::atomic_int>(0);
    const tools::ToolResult first = run(registry,
                                        {{QStringLiteral("query"), QStringLiteral("  the   budget ")},
                                         {QStringLiteral("collection"), QStringLiteral("c1")}},
                                        {QStringLiteral("acme"), counter});
    QVERIFY2(first.success(), qPrintable(first.content()));
    QCOMPARE(search.queries.size(), 1);
    QCOMPARE(search.queries.at(0).tenantId, QStringLiteral("acme"));
    QCOMPARE(search.queries.at(0).query, QStringLiteral("the budget"));
    QCOMPARE(search.queries.at(0).collection, QStringLiteral("c1"));
    QCOMPARE(search.queries.at(0).k, 5); // the schema's default
    const QJsonArray hits = first.json.value(QStringLiteral("hits")).toArray();
    QCOMPARE(hits.size(), 2);
    const QJsonObject top = hits.at(0).toObject();
    QCOMPARE(top.value(QStringLiteral("citation")).toInt(), 1);
    QCOMPARE(top.value(QStringLiteral("title")).toString(), QStringLiteral("Brief"));
    QCOMPARE(top.value(QStringLiteral("page")).toInt(), 3);
    QCOMPARE(top.value(QStringLiteral("passage")).toString(), QStringLiteral("budget is 40k"));
    QCOMPARE(top.value(QStringLiteral("chunk_id")).toInteger(), 11);
    QCOMPARE(top.value(QStringLiteral("start")).toInteger(), 100);
    QCOMPARE(top.value(QStringLiteral("end")).toInteger(), 113);
    QCOMPARE(top.value(QStringLiteral("document_id")).toString(),
             search.result.hits.at(0).documentId.toString(QUuid::WithoutBraces));
    QCOMPARE(hits.at(1).toObject().value(QStringLiteral("citation")).toInt(), 2);
    QVERIFY(!first.json.contains(QStringLiteral("note")));
    QVERIFY(first.json.value(QStringLiteral("instruction")).toString().contains(QStringLiteral("[n]")));
    // A second search of the same turn goes on numbering.
    const tools::ToolResult second =
        run(registry, {{QStringLiteral("query"), QStringLiteral("notice")}, {QStringLiteral("k"), 2}},
            {QStringLiteral("acme"), counter});
    QCOMPARE(search.queries.at(1).k, 2);
    QCOMPARE(second.json.value(QStringLiteral("hits"))
                 .toArray()
                 .at(0)
                 .toObject()
                 .value(QStringLiteral("citation"))
                 .toInt(),
             3);
}

void TestSearchDocumentsTool::saysWhenDocumentsAreStillIndexing()
{
    RecordingSearch search;
    search.result.documentsIndexing = 2;
    tools::ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<tools::SearchDocumentsTool>(&search)));
    const tools::ToolResult result =
        run(registry, {{QStringLiteral("query"), QStringLiteral("x")}}, {QStringLiteral("acme"), {}});
    QVERIFY(result.success());
    QCOMPARE(result.json.value(QStringLiteral("indexing")).toInt(), 2);
    QCOMPARE(result.json.value(QStringLiteral("note")).toString(),
             QStringLiteral("2 documents are still being indexed; results may be incomplete"));
    QVERIFY(result.json.value(QStringLiteral("hits")).toArray().isEmpty());
}

void TestSearchDocumentsTool::validatesArguments()
{
    RecordingSearch search;
    tools::ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<tools::SearchDocumentsTool>(&search)));
    for (const QJsonObject &bad :
         {QJsonObject{},
          QJsonObject{{QStringLiteral("query"), QStringLiteral("x")}, {QStringLiteral("k"), 21}},
          QJsonObject{{QStringLiteral("query"), QStringLiteral("x")}, {QStringLiteral("k"), 0}},
          QJsonObject{{QStringLiteral("query"), QStringLiteral("x")}, {QStringLiteral("extra"), 1}},
          QJsonObject{{QStringLiteral("query"), QStringLiteral("   ")}}}) {
        const tools::ToolResult result = run(registry, bad, {QStringLiteral("acme"), {}});
        QVERIFY(!result.success());
        QCOMPARE(*result.errorCode, core::ErrorCode::InvalidArgument);
    }
    // Outside a tenant's turn there is nothing to search.
    const tools::ToolResult noTenant = run(registry, {{QStringLiteral("query"), QStringLiteral("x")}}, {});
    QCOMPARE(*noTenant.errorCode, core::ErrorCode::InvalidArgument);
    QVERIFY(search.queries.isEmpty());
}

void TestSearchDocumentsTool::failuresAreResults()
{
    RecordingSearch search;
    search.failWith = core::makeError(core::ErrorCode::DatabaseUnavailable, QStringLiteral("down"));
    tools::ToolRegistry registry;
    QVERIFY(registry.add(std::make_shared<tools::SearchDocumentsTool>(&search)));
    const tools::ToolResult failed =
        run(registry, {{QStringLiteral("query"), QStringLiteral("x")}}, {QStringLiteral("acme"), {}});
    QCOMPARE(*failed.errorCode, core::ErrorCode::DatabaseUnavailable);
    QCOMPARE(failed.json.value(QStringLiteral("success")).toBool(true), false);

    tools::ToolRegistry unwired;
    QVERIFY(unwired.add(std::make_shared<tools::SearchDocumentsTool>(nullptr)));
    const tools::ToolResult none =
        run(unwired, {{QStringLiteral("query"), QStringLiteral("x")}}, {QStringLiteral("acme"), {}});
    QCOMPARE(*none.errorCode, core::ErrorCode::NotConfigured);
}

void TestSearchDocumentsTool::citationsResolveOnlyRealHits()
{
    core::DocumentSearchResult first;
    first.hits = {hit(QStringLiteral("Brief"), 2, 7, 10, QStringLiteral("alpha")),
                  hit(QStringLiteral("Plan"), 0, 8, 0, QStringLiteral("beta"))};
    core::DocumentSearchResult second;
    second.hits = {hit(QStringLiteral("Memo"), 5, 9, 40, QStringLiteral("gamma"))};
    auto counter = std::make_shared<std::atomic_int>(0);
    const QList<QJsonObject> results{
        tools::SearchDocumentsTool::payload(first, counter),
        QJsonObject{{QStringLiteral("temperature"), 21}}, // another tool's result
        tools::SearchDocumentsTool::payload(second, counter)};
    const QList<core::Citation> cited = flows::resolveCitations(
        QStringLiteral("Gamma holds [3]; alpha too [1, 3][1]. Nothing supports [4] or [0] or [x]."), results);
    QCOMPARE(cited.size(), 2);
    QCOMPARE(cited.at(0).number, 3);
    QCOMPARE(cited.at(0).title, QStringLiteral("Memo"));
    QCOMPARE(cited.at(0).page, 5);
    QCOMPARE(cited.at(0).chunkId, 9);
    QCOMPARE(cited.at(0).start, 40);
    QCOMPARE(cited.at(0).end, 45);
    QCOMPARE(cited.at(0).documentId, second.hits.at(0).documentId);
    QCOMPARE(cited.at(1).number, 1);
    QVERIFY(flows::resolveCitations(QStringLiteral("no brackets"), results).isEmpty());
    QVERIFY(flows::resolveCitations(QStringLiteral("[1]"), {}).isEmpty());
    // The stored JSON reads back the same.
    const QList<core::Citation> back =
        core::citationsOfMetadata(QJsonObject{{QStringLiteral("citations"), core::citationsToJson(cited)}});
    QCOMPARE(back.size(), 2);
    QCOMPARE(back.at(0).documentId, cited.at(0).documentId);
    QCOMPARE(back.at(1).end, cited.at(1).end);
}

QTEST_GUILESS_MAIN(TestSearchDocumentsTool)
#include "test_searchdocumentstool.moc"
