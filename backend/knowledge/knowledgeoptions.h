#pragma once

#include "knowledge/extract/chunker.h"
#include "knowledge/extract/extractor.h"
#include "knowledge/index/fusion.h"
#include "knowledge/index/vectorindex.h"

#include <QString>

namespace agency::knowledge {

/// How the knowledge layer behaves (settings DOCUMENT_*, KNOWLEDGE_*, resolved by the composition
/// root; docs/configuration.md).
struct KnowledgeOptions
{
    qint64 maxDocumentBytes = 50LL * 1024 * 1024; ///< DOCUMENT_MAX_BYTES: larger files are refused
    double keywordWeight = 1.5;                   ///< KNOWLEDGE_KEYWORD_WEIGHT in the fusion
    double vectorWeight = 1.0;                    ///< KNOWLEDGE_VECTOR_WEIGHT
    FusionOptions fusion;                         ///< KNOWLEDGE_FUSION, KNOWLEDGE_RRF_K
    int candidates = 50;                          ///< each retriever's top N fed to the fusion
    int maxK = 50;                                ///< the most hits one search returns
    ChunkOptions chunks;                          ///< KNOWLEDGE_CHUNK_TOKENS, KNOWLEDGE_CHUNK_OVERLAP_TOKENS
    ExtractLimits extractLimits;
    VectorIndexOptions index;
    QString indexDirectory; ///< where vector index files are saved; empty: kept in memory only
    int embedBatch = 64;    ///< chunks read and embedded per step (the embedder splits further)

    // The ingestion worker (the lease protocol of the runs queue, docs/design.md#knowledge).
    int workers = 1;       ///< KNOWLEDGE_WORKERS: documents indexed at once by this process; 0 = none
    int pollMs = 1000;     ///< RUN_POLL_MS
    int leaseSeconds = 60; ///< RUN_LEASE_S
    int maxAttempts = 3;   ///< RUN_MAX_ATTEMPTS
    QString workerId;      ///< empty: "<host>:<pid>:<random>"
};

} // namespace agency::knowledge
