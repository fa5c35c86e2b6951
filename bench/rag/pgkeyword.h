#pragma once

#include "core/result.h"
#include "knowledge/index/fusion.h"

#include <QHash>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace agency::sql {
class DbConnection;
class DbExecutor;
class EmbeddedPostgres;
} // namespace agency::sql
namespace agency::db {
class DocumentRepository;
}

namespace agency::bench {

/// PostgreSQL full-text search over a benchmark corpus: an embedded cluster in a temporary
/// directory with the program's migrations, the passages stored as one ready document's chunks
/// (the production table and its tsvector column), searched by the production query
/// (db::DocumentRepository::keywordSearch) or by a variant this benchmark compares it with.
class PgKeyword
{
public:
    /// A variant of the production query: text search configuration, AND (every word, as
    /// websearch_to_tsquery) or OR (any word), and ranking function.
    struct Variant
    {
        QString name;
        QString config; ///< "english" or "simple"
        bool anyWord = false;
        QString rank = QStringLiteral("ts_rank_cd");
        int normalization = 0; ///< ts_rank's normalization flags
    };

    PgKeyword();
    ~PgKeyword();

    core::Status start();
    /// Stores `passages` under a new tenant named `tenant`; later searches are scoped to it.
    core::Status load(const QString &tenant, const QStringList &passages);
    /// The production keyword search: passage indexes best first, with their ranks as scores.
    core::Result<knowledge::RankedList> production(const QString &query, int limit);
    core::Result<knowledge::RankedList> search(const Variant &variant, const QString &query, int limit);
    db::DocumentRepository &repository() { return *m_repository; }
    sql::DbExecutor &executor() { return *m_executor; }
    sql::DbConnection &connection() { return *m_conn; }

private:
    QTemporaryDir m_dir;
    std::unique_ptr<sql::EmbeddedPostgres> m_cluster;
    std::unique_ptr<sql::DbConnection> m_conn;
    std::unique_ptr<sql::DbExecutor> m_executor;
    std::unique_ptr<db::DocumentRepository> m_repository;
    QString m_tenant;
    QHash<qint64, qint64> m_passageOf; ///< chunk id → passage index
};

} // namespace agency::bench
