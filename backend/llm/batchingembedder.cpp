#include "batchingembedder.h"

#include "core/async/guarded.h"
#include "core/async/resultpromise.h"
#include "core/tokenestimate.h"

#include <QThread>

#include <cmath>

namespace agency::llm {

QList<QPair<qsizetype, qsizetype>> planEmbeddingBatches(const QStringList &texts,
                                                        const EmbeddingLimits &limits)
{
    QList<QPair<qsizetype, qsizetype>> batches;
    const int maxTexts = std::max(1, limits.maxTexts);
    qsizetype start = 0;
    qint64 tokens = 0;
    for (qsizetype i = 0; i < texts.size(); ++i) {
        const qint64 t = core::estimateTokens(texts.at(i));
        const qsizetype count = i - start;
        const bool full =
            count >= maxTexts || (limits.maxTokens > 0 && count > 0 && tokens + t > limits.maxTokens);
        if (full) {
            batches.append({start, count});
            start = i;
            tokens = 0;
        }
        tokens += t;
    }
    if (start < texts.size())
        batches.append({start, texts.size() - start});
    return batches;
}

core::Status normaliseEmbedding(QVector<float> &vector, const QString &who)
{
    if (vector.isEmpty())
        return core::makeError(core::ErrorCode::ProviderMalformed,
                               who + QStringLiteral(": an empty embedding"));
    double norm = 0;
    for (float x : vector) {
        if (!std::isfinite(x))
            return core::makeError(core::ErrorCode::ProviderMalformed,
                                   who + QStringLiteral(": an embedding with a non-finite value"));
        norm += static_cast<double>(x) * x;
    }
    if (norm <= 0)
        return core::makeError(core::ErrorCode::ProviderMalformed,
                               who + QStringLiteral(": a zero embedding"));
    const float scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (float &x : vector)
        x *= scale;
    return core::Status();
}

/// One embed() in flight.
struct BatchingEmbedder::Run
{
    QStringList texts;
    EmbeddingPurpose purpose = EmbeddingPurpose::Document;
    core::CancelTokenPtr cancel;
    QList<QPair<qsizetype, qsizetype>> batches;
    qsizetype nextBatch = 0;
    Embeddings result;
    bool tokensReported = true;
    core::ResultPromise<Embeddings> promise;
};

core::Async<Embeddings> BatchingEmbedder::embed(const QStringList &texts, EmbeddingPurpose purpose,
                                                const core::CancelTokenPtr &cancel)
{
    Q_ASSERT(QThread::currentThread() == thread());
    auto run = std::make_shared<Run>();
    const EmbeddingLimits l = limits();
    run->texts = texts;
    if (l.maxTokensPerText > 0) {
        // Providers refuse (OpenAI, Mistral) an input over the model's context; a chunk that long is
        // a chunker bug, a query that long a user's paste: the first part still says what it is about.
        const qsizetype maxChars = l.maxTokensPerText * 3;
        for (QString &text : run->texts) {
            if (text.size() > maxChars)
                text.truncate(maxChars);
        }
    }
    run->purpose = purpose;
    run->cancel = cancel;
    run->batches = planEmbeddingBatches(run->texts, l);
    run->result.model = modelName();
    // The answer's dimension counts, not the model's advertised one: an OpenAI-compatible server
    // may serve another model under a known name.
    run->result.dimension = texts.isEmpty() ? dimension() : 0;
    run->result.vectors.reserve(texts.size());
    for (const QString &text : std::as_const(texts)) {
        if (text.trimmed().isEmpty())
            return core::failedAsync<Embeddings>(core::makeError(
                core::ErrorCode::InvalidArgument, who() + QStringLiteral(": cannot embed an empty text")));
    }
    if (texts.isEmpty())
        return core::readyAsync<Embeddings>(run->result);
    next(run);
    return run->promise.future();
}

void BatchingEmbedder::next(const std::shared_ptr<Run> &run)
{
    if (run->nextBatch >= run->batches.size()) {
        if (!run->tokensReported || run->result.promptTokens == 0) {
            run->result.promptTokens = 0;
            for (const QString &text : std::as_const(run->texts))
                run->result.promptTokens += core::estimateTokens(text);
        }
        run->promise.finish(std::move(run->result));
        return;
    }
    const auto [start, count] = run->batches.at(run->nextBatch++);
    const QStringList texts = run->texts.mid(start, count);
    sendBatch(
        texts, run->purpose, run->cancel,
        core::guarded(this, [this, run, count](core::Result<Embeddings> batch) {
            if (!batch)
                return run->promise.finish(batch.error());
            Embeddings &got = batch.value();
            if (got.vectors.size() != count)
                return run->promise.finish(core::makeError(
                    core::ErrorCode::ProviderMalformed,
                    who() +
                        QStringLiteral(": %1 embeddings for %2 texts").arg(got.vectors.size()).arg(count)));
            for (QVector<float> &v : got.vectors) {
                if (run->result.dimension == 0)
                    run->result.dimension = static_cast<int>(v.size());
                if (v.size() != run->result.dimension)
                    return run->promise.finish(
                        core::makeError(core::ErrorCode::ProviderMalformed,
                                        who() + QStringLiteral(": embeddings of dimension %1, expected %2")
                                                    .arg(v.size())
                                                    .arg(run->result.dimension)));
                if (const core::Status ok = normaliseEmbedding(v, who()); !ok)
                    return run->promise.finish(ok.error());
                run->result.vectors.append(std::move(v));
            }
            if (got.promptTokens > 0)
                run->result.promptTokens += got.promptTokens;
            else
                run->tokensReported = false;
            next(run);
        }));
}

} // namespace agency::llm
