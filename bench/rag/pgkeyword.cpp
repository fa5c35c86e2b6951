#include "pgkeyword.h"

#include "datasetgenerator.h"
#include "db/documentrepository.h"
#include "sql/dbconnection.h"
#include "sql/dbexecutor.h"
#include "sql/embeddedpostgres.h"

#include <QCryptographicHash>
#include <QFile>
#include <QSqlQuery>
#include <QUuid>

namespace agency::bench {

using core::Result;

PgKeyword::PgKeyword() = default;
PgKeyword::~PgKeyword()
{
    m_repository.reset();
    m_executor.reset();
    m_conn.reset();
    if (m_cluster)
        (void)m_cluster->stop();
}

core::Status PgKeyword::start()
{
    if (!m_dir.isValid())
        return core::makeError(core::ErrorCode::Internal, QStringLiteral("no temporary directory"));
    // initdb runs as `postgres` when we are root: it must be able to enter the directory.
    QFile::setPermissions(m_dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                            QFile::ReadGroup | QFile::ExeGroup | QFile::ReadOther |
                                            QFile::ExeOther);
    sql::EmbeddedPostgres::Options options;
    options.dataDir = m_dir.path() + QStringLiteral("/data");
    options.fastUnsafe = true; // a throwaway corpus
    m_cluster = std::make_unique<sql::EmbeddedPostgres>(options);
    auto started = m_cluster->start();
    if (!started)
        return started.error();
    if (auto ok = migrate(started.value()); !ok)
        return ok;
    m_conn = std::make_unique<sql::DbConnection>(started.value(), QStringLiteral("bench-rag"));
    if (auto ok = m_conn->ensureOpen(); !ok)
        return ok;
    m_executor = std::make_unique<sql::DbExecutor>(started.value(), 1);
    m_repository = std::make_unique<db::DocumentRepository>(*m_executor);
    return {};
}

core::Status PgKeyword::load(const QString &tenant, const QStringList &passages)
{
    m_tenant = tenant;
    m_passageOf.clear();
    const QString collection = QStringLiteral("default");
    const QString document = QUuid::createUuid().toString(QUuid::WithoutBraces);
    const QString sha =
        QString::fromLatin1(QCryptographicHash::hash(tenant.toUtf8(), QCryptographicHash::Sha256).toHex());
    struct Step
    {
        const char *sql;
        QVariantList binds;
    };
    const QList<Step> steps = {
        {"INSERT INTO tenants (tenant_id, name) VALUES (?, ?)", {tenant, tenant}},
        {"INSERT INTO collections (tenant_id, name) VALUES (?, ?)", {tenant, collection}},
        {"INSERT INTO documents (document_id, tenant_id, collection, title, size_bytes, content_sha256, "
         "status, progress, embedding_model, target_model, extracted) "
         "VALUES (?::uuid, ?, ?, 'corpus', 1, ?, 'ready', 1, 'demo/demo-embedding', 'demo/demo-embedding', "
         "true)",
         {document, tenant, collection, sha}},
    };
    // The 'simple' variants' own column (this cluster only), so they are not slowed by computing
    // every passage's tsvector at each query.
    if (auto done = m_conn->execScript(
            QStringLiteral("ALTER TABLE chunks ADD COLUMN IF NOT EXISTS tsv_simple tsvector "
                           "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED"),
            QStringLiteral("add the simple tsvector"));
        !done)
        return done.error();
    for (const Step &step : steps)
        if (auto done =
                m_conn->exec(QString::fromLatin1(step.sql), step.binds, QStringLiteral("load corpus"));
            !done)
            return done.error();
    for (qsizetype i = 0; i < passages.size(); ++i) {
        auto inserted = m_conn->exec(
            QStringLiteral(
                "INSERT INTO chunks (document_id, tenant_id, collection, page_index, page, start, "
                "\"end\", token_estimate, text) VALUES (?::uuid, ?, ?, ?, ?, 0, ?, ?, ?) RETURNING id"),
            {document, tenant, collection, int(i), int(i + 1), passages.at(i).size(),
             int(passages.at(i).size() / 4), passages.at(i)},
            QStringLiteral("load chunk"));
        if (!inserted)
            return inserted.error();
        inserted.value()->next();
        m_passageOf.insert(inserted.value()->value(0).toLongLong(), i);
    }
    // Statistics for the planner, as autovacuum would gather them after a real ingestion.
    if (auto done = m_conn->execScript(QStringLiteral("ANALYZE chunks"), QStringLiteral("analyze")); !done)
        return done.error();
    return {};
}

Result<knowledge::RankedList> PgKeyword::production(const QString &query, int limit)
{
    auto future = m_repository->keywordSearch(m_tenant, QString(), query, limit);
    future.waitForFinished();
    const Result<QList<db::KeywordHit>> hits = future.result();
    if (!hits)
        return hits.error();
    knowledge::RankedList list;
    for (const db::KeywordHit &hit : hits.value()) {
        list.ids.append(m_passageOf.value(hit.chunkId, -1));
        list.scores.append(hit.score);
    }
    return list;
}

Result<knowledge::RankedList> PgKeyword::search(const Variant &variant, const QString &query, int limit)
{
    // Only our own names reach the SQL text; the query itself is a bound parameter.
    const QString config =
        variant.config == QLatin1String("simple") ? QStringLiteral("simple") : QStringLiteral("english");
    const QString rank =
        variant.rank == QLatin1String("ts_rank") ? QStringLiteral("ts_rank") : QStringLiteral("ts_rank_cd");
    const QString tsv =
        config == QLatin1String("english") ? QStringLiteral("c.tsv") : QStringLiteral("c.tsv_simple");
    QString tsquery = QStringLiteral("websearch_to_tsquery('%1', ?)").arg(config);
    // Any word: the ANDs between words become ORs (a negated word, "-word", stays ANDed).
    if (variant.anyWord)
        tsquery =
            QStringLiteral("replace(replace(%1::text, ' & ', ' | '), ' | !', ' & !')::tsquery").arg(tsquery);
    auto found = m_conn->exec(
        QStringLiteral("SELECT c.id, %3(%2, s.q, %4) AS r FROM (SELECT %1 AS q) s, chunks c WHERE "
                       "c.tenant_id = ? AND %2 @@ s.q ORDER BY r DESC, c.id LIMIT ?")
            .arg(tsquery, tsv, rank)
            .arg(variant.normalization),
        {query, m_tenant, limit}, QStringLiteral("keyword variant"));
    if (!found)
        return found.error();
    knowledge::RankedList list;
    while (found.value()->next()) {
        list.ids.append(m_passageOf.value(found.value()->value(0).toLongLong(), -1));
        list.scores.append(found.value()->value(1).toDouble());
    }
    return list;
}

} // namespace agency::bench
