#pragma once

#include <QString>

namespace agency::bench {

class PgKeyword;

/// Ingestion through the real pipeline (KnowledgeBase, IngestionWorker, the demo embedding) into
/// the bench's PostgreSQL: a generated `pages`-page PDF's pages per second and the process's
/// peak resident growth while indexing it. Prints its table; false when it could not run.
bool ingestionBench(PgKeyword &pg, int pages, const QString &indexDirectory);

/// Two tenants with the same documents (ingested through the real pipeline), `queries` searches
/// through KnowledgeBase::search alternating between them: hits from the other tenant counted.
bool isolationBench(PgKeyword &pg, int queries, const QString &indexDirectory);

} // namespace agency::bench
