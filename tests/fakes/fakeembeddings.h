#pragma once

// Embedding servers speaking the real wire formats, over real HTTP (FakeHttpServer): OpenAI's and
// Mistral's POST /v1/embeddings, Vertex AI's :predict and the Gemini API's :batchEmbedContents.
// Each answers as many vectors as the request has texts; a vector is a function of its text (the
// same text gives the same vector, different texts different ones) and is deliberately NOT unit
// length, so a client that forgets to normalise is caught. Scripted responses (enqueue) win over
// the handler, so failures (429, 401, garbage) can be put in front of the successes.

#include "fakehttpserver.h"

#include <QStringList>

namespace agency::test {

namespace embeddings {

/// The fake's vector for `text`: `dimension` values derived from the text's bytes, norm ≠ 1.
QList<double> fakeVector(const QString &text, int dimension);

/// {"object":"list","data":[{"object":"embedding","index":i,"embedding":[...]}],"model","usage"}.
QJsonObject openAiResponse(const QStringList &texts, int dimension, const QString &model);
/// {"predictions":[{"embeddings":{"values":[...],"statistics":{"token_count","truncated"}}}]}.
QJsonObject vertexResponse(const QStringList &texts, int dimension);
/// {"embeddings":[{"values":[...]}]}.
QJsonObject geminiResponse(const QStringList &texts, int dimension);

} // namespace embeddings

/// Which protocol a FakeEmbeddingServer speaks.
enum class EmbeddingWire { OpenAi, Vertex, Gemini };

/// A FakeHttpServer answering embedding requests by default. baseUrl(): "<origin>/v1" for the
/// OpenAI wire (OPENAI_BASE_URL / MISTRAL_BASE_URL), the origin for Vertex AI and the Gemini API.
class FakeEmbeddingServer : public FakeHttpServer
{
    Q_OBJECT

public:
    explicit FakeEmbeddingServer(EmbeddingWire wire, int dimension = 8, QObject *parent = nullptr);

    QString baseUrl() const;
    int dimension() const { return m_dimension; }
    /// The texts of every request received, in order (input / instances[].content / requests[]).
    QList<QStringList> batches() const;
    /// The texts of one recorded request.
    QStringList textsOf(const RecordedRequest &request) const;

private:
    EmbeddingWire m_wire;
    int m_dimension;
};

} // namespace agency::test
