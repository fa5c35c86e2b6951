#pragma once

#include "llm/embedder.h"

namespace agency::llm {

/// The offline embedding (`demo/demo-embedding`): deterministic and dependency-free, so documents
/// can be indexed and searched with no key, as the demo chat provider answers with none
/// (docs/design.md#knowledge).
///
/// Feature hashing: each text's word unigrams, word bigrams and the character 3- and 4-grams of
/// its words (with word-boundary marks) are hashed (FNV-1a, a fixed seed per feature kind) to one
/// of kDimension slots with a hashed sign; counts are damped (1 + ln tf) and the vector is
/// L2-normalised. The character n-grams make inflections ("negotiated", "negotiation") share most
/// of their features, which is what lets a reworded question still land near its passage. A text
/// with no word at all gets a fixed unit vector, so every vector is unit length.
///
/// Synchronous under the hood (microseconds per passage); the future is ready when embed() returns.
class DemoEmbedder final : public Embedder
{
    Q_OBJECT

public:
    static constexpr int kDimension = 768;

    explicit DemoEmbedder(QObject *parent = nullptr) : Embedder(parent) {}

    core::Async<Embeddings> embed(const QStringList &texts, EmbeddingPurpose purpose,
                                  const core::CancelTokenPtr &cancel = {}) override;
    QString modelName() const override { return QStringLiteral("demo/demo-embedding"); }
    int dimension() const override { return kDimension; }

    /// One text's vector (what embed() computes for each).
    static QVector<float> embedText(const QString &text);
};

} // namespace agency::llm
