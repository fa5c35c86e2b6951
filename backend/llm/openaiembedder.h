#pragma once

#include "core/clock.h"
#include "llm/batchingembedder.h"
#include "llm/providerconfig.h"

class QNetworkAccessManager;

namespace agency::llm {

/// What differs between the services speaking OpenAI's embeddings protocol.
struct OpenAiEmbeddingDialect
{
    QString name;        ///< "openai", "mistral": the provider part of modelName()
    QString displayName; ///< "OpenAI", "Mistral": the start of error messages
    EmbeddingLimits limits;
    int dimension = 0; ///< of the default model when known

    /// OpenAI (CreateEmbeddingRequest): at most 2048 inputs and 300,000 tokens per request, 8192
    /// tokens per input; kept below the token budgets since our estimate is approximate.
    static OpenAiEmbeddingDialect openAi(const QString &model);
    /// Mistral (EmbeddingRequest): the API refuses "too many inputs" above a few hundred and
    /// batches of more than about 16,000 tokens.
    static OpenAiEmbeddingDialect mistral(const QString &model);
};

/// POST {base}/embeddings with {"input": [texts], "model", "encoding_format": "float"}: OpenAI,
/// Mistral and OpenAI-compatible servers. `Authorization: Bearer <key>` unless the key is empty
/// (local servers). Answers are matched to texts by each item's `index`. Batching, retries,
/// normalisation and errors: see BatchingEmbedder and Embedder.
class OpenAiEmbedder final : public BatchingEmbedder
{
    Q_OBJECT

public:
    OpenAiEmbedder(OpenAiEmbeddingDialect dialect, HttpProviderConfig config, QNetworkAccessManager *nam,
                   const core::Clock &clock, QObject *parent = nullptr);

    QString modelName() const override { return m_dialect.name + u'/' + m_config.defaultModel; }
    int dimension() const override { return m_dialect.dimension; }

protected:
    void sendBatch(const QStringList &texts, EmbeddingPurpose purpose, const core::CancelTokenPtr &cancel,
                   BatchDone done) override;
    EmbeddingLimits limits() const override { return m_dialect.limits; }
    QString who() const override { return m_dialect.displayName; }

private:
    OpenAiEmbeddingDialect m_dialect;
    HttpProviderConfig m_config;
    QNetworkAccessManager *m_nam;
    const core::Clock &m_clock;
};

/// Parses a CreateEmbeddingResponse / Mistral EmbeddingResponse for `count` texts: vectors in
/// input order (by `index`), usage.prompt_tokens. ProviderMalformed with `who` otherwise.
core::Result<Embeddings> parseOpenAiEmbeddings(const QByteArray &body, qsizetype count, const QString &who);

} // namespace agency::llm
