#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"

#include <QObject>
#include <QStringList>
#include <QVector>

namespace agency::llm {

/// What a text is embedded for: providers that distinguish them (Vertex AI's task types) embed
/// passages and questions differently; the others ignore it.
enum class EmbeddingPurpose { Document, Query };

/// Vectors for a list of texts, in the same order.
struct Embeddings
{
    QList<QVector<float>> vectors; ///< unit length (normalised by the adapter when the provider is not)
    QString model;                 ///< "provider/model", the name indexes are kept under
    int dimension = 0;
    qint64 promptTokens = 0; ///< as reported, else estimated
};

/// One embedding model behind one wire protocol (OpenAI, Mistral, Vertex AI, demo).
///
/// embed() takes any number of texts and splits them into requests within the provider's limits
/// (texts per request, tokens per request); the future finishes once all are embedded or one
/// request failed for good. Retries follow the chat providers' policy (429/5xx/network/timeouts,
/// Retry-After honoured) before an error comes back; errors use the codes of llm::Provider.
///
/// Thread affinity and ownership as llm::Provider: lives on the thread of its network manager;
/// call it there; destroying it aborts its calls (their futures finish Cancelled).
class Embedder : public QObject
{
    Q_OBJECT

public:
    using QObject::QObject;
    ~Embedder() override = default;

    virtual core::Async<Embeddings> embed(const QStringList &texts, EmbeddingPurpose purpose,
                                          const core::CancelTokenPtr &cancel = {}) = 0;

    /// "provider/model", e.g. "openai/text-embedding-3-small", "demo/demo-embedding".
    virtual QString modelName() const = 0;
    /// The vectors' dimension when known before the first call, else 0.
    virtual int dimension() const = 0;
};

} // namespace agency::llm
