#pragma once

#include "core/clock.h"
#include "llm/batchingembedder.h"
#include "llm/googleauth.h"
#include "llm/vertexprovider.h"

#include <QPointer>

class QNetworkAccessManager;

namespace agency::llm {

/// Google's embeddings. On Vertex AI: POST {base}/v1/projects/{p}/locations/{l}/publishers/google/
/// models/{m}:predict with {"instances": [{"content", "task_type"}]}, task_type RETRIEVAL_DOCUMENT
/// for passages and RETRIEVAL_QUERY for questions, an OAuth bearer token (the chat provider's
/// token sources); at most 250 texts and 20,000 tokens per request. Through the Gemini API (only
/// GEMINI_API_KEY set): POST {base}/v1beta/models/{m}:batchEmbedContents, 100 texts per request,
/// the same task types as `taskType`. A 401 drops the cached token. Batching, retries,
/// normalisation and errors: see BatchingEmbedder; takes ownership of `tokens` (null in Gemini
/// API mode).
class VertexEmbedder final : public BatchingEmbedder
{
    Q_OBJECT

public:
    VertexEmbedder(VertexConfig config, AccessTokenSource *tokens, QNetworkAccessManager *nam,
                   const core::Clock &clock, QObject *parent = nullptr);

    QString modelName() const override;
    int dimension() const override { return 768; } ///< text-embedding-004/005 (at most 768 for others)

    /// Where a batch goes.
    QUrl endpoint() const;

protected:
    void sendBatch(const QStringList &texts, EmbeddingPurpose purpose, const core::CancelTokenPtr &cancel,
                   BatchDone done) override;
    EmbeddingLimits limits() const override;
    QString who() const override;

private:
    bool geminiApi() const { return m_config.mode == VertexConfig::Mode::GeminiApi; }
    void post(const QStringList &texts, EmbeddingPurpose purpose, const core::CancelTokenPtr &cancel,
              const QString &bearer, const BatchDone &done);

    VertexConfig m_config;
    QPointer<AccessTokenSource> m_tokens;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

/// Parses a :predict answer (predictions[].embeddings.values, statistics.token_count) or a
/// :batchEmbedContents answer (embeddings[].values) for `count` texts.
core::Result<Embeddings> parseVertexEmbeddings(const QByteArray &body, qsizetype count, bool geminiApi,
                                               const QString &who);

} // namespace agency::llm
