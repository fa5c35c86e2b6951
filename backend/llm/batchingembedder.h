#pragma once

#include "llm/embedder.h"

#include <functional>

namespace agency::llm {

/// A provider's request limits for embeddings.
struct EmbeddingLimits
{
    int maxTexts = 1;            ///< inputs per request
    qint64 maxTokens = 0;        ///< estimated tokens per request (0: no limit)
    qint64 maxTokensPerText = 0; ///< longer inputs are cut to about this many tokens (0: keep)
};

/// Consecutive [start, start + count) ranges of `texts`, each within `limits` by the project's
/// token estimate (core::estimateTokens); a text alone over maxTokens still gets a batch of its own.
QList<QPair<qsizetype, qsizetype>> planEmbeddingBatches(const QStringList &texts,
                                                        const EmbeddingLimits &limits);

/// Scales `vector` to unit length. Errors (ProviderMalformed, message starting with `who`) for an
/// empty vector, a non-finite value or a zero vector: none can be ranked by cosine similarity.
core::Status normaliseEmbedding(QVector<float> &vector, const QString &who);

/// The part every HTTP embedding adapter shares: embed() cuts over-long texts, splits the rest into
/// batches within limits(), sends them one after another through sendBatch(), checks each answer
/// (one vector per text, one dimension throughout), normalises the vectors and reports once.
/// Retries happen inside each batch's HttpCall; a batch that fails for good fails the whole call.
/// Thread affinity and ownership as Embedder.
class BatchingEmbedder : public Embedder
{
    Q_OBJECT

public:
    using Embedder::Embedder;

    core::Async<Embeddings> embed(const QStringList &texts, EmbeddingPurpose purpose,
                                  const core::CancelTokenPtr &cancel = {}) final;

protected:
    using BatchDone = std::function<void(core::Result<Embeddings>)>;

    /// Sends one batch; `done` gets its vectors in order (not yet normalised) and the tokens the
    /// provider reported (0: unknown). May be called after the embedder is gone: never, because
    /// the HTTP calls are its children.
    virtual void sendBatch(const QStringList &texts, EmbeddingPurpose purpose,
                           const core::CancelTokenPtr &cancel, BatchDone done) = 0;
    virtual EmbeddingLimits limits() const = 0;
    /// "OpenAI", "Mistral", "Vertex AI": the start of error messages.
    virtual QString who() const = 0;

private:
    struct Run;
    void next(const std::shared_ptr<Run> &run);
};

} // namespace agency::llm
