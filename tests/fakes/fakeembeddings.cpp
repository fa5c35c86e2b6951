#include "fakeembeddings.h"

#include <QCryptographicHash>
#include <QJsonArray>

namespace agency::test {

namespace embeddings {

QList<double> fakeVector(const QString &text, int dimension)
{
    QList<double> v;
    QByteArray seed = QCryptographicHash::hash(text.toUtf8(), QCryptographicHash::Sha256);
    while (v.size() < dimension) {
        for (char byte : std::as_const(seed)) {
            if (v.size() == dimension)
                break;
            // Values in [-2.5, 2.5]: a norm far from 1.
            v.append((static_cast<unsigned char>(byte) - 127.5) / 51.0);
        }
        seed = QCryptographicHash::hash(seed, QCryptographicHash::Sha256);
    }
    return v;
}

namespace {

QJsonArray array(const QList<double> &values)
{
    QJsonArray a;
    for (double x : values)
        a.append(x);
    return a;
}

} // namespace

QJsonObject openAiResponse(const QStringList &texts, int dimension, const QString &model)
{
    QJsonArray data;
    qint64 tokens = 0;
    for (qsizetype i = 0; i < texts.size(); ++i) {
        data.append(QJsonObject{{QStringLiteral("object"), QStringLiteral("embedding")},
                                {QStringLiteral("index"), static_cast<int>(i)},
                                {QStringLiteral("embedding"), array(fakeVector(texts.at(i), dimension))}});
        tokens += texts.at(i).size() / 4 + 1;
    }
    return QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                       {QStringLiteral("data"), data},
                       {QStringLiteral("model"), model},
                       {QStringLiteral("usage"), QJsonObject{{QStringLiteral("prompt_tokens"), tokens},
                                                             {QStringLiteral("total_tokens"), tokens}}}};
}

QJsonObject vertexResponse(const QStringList &texts, int dimension)
{
    QJsonArray predictions;
    for (const QString &text : texts)
        predictions.append(
            QJsonObject{{QStringLiteral("embeddings"),
                         QJsonObject{{QStringLiteral("values"), array(fakeVector(text, dimension))},
                                     {QStringLiteral("statistics"),
                                      QJsonObject{{QStringLiteral("token_count"), text.size() / 4 + 1},
                                                  {QStringLiteral("truncated"), false}}}}}});
    return QJsonObject{{QStringLiteral("predictions"), predictions}};
}

QJsonObject geminiResponse(const QStringList &texts, int dimension)
{
    QJsonArray list;
    for (const QString &text : texts)
        list.append(QJsonObject{{QStringLiteral("values"), array(fakeVector(text, dimension))}});
    return QJsonObject{{QStringLiteral("embeddings"), list}};
}

} // namespace embeddings

FakeEmbeddingServer::FakeEmbeddingServer(EmbeddingWire wire, int dimension, QObject *parent)
    : FakeHttpServer(parent), m_wire(wire), m_dimension(dimension)
{
    setHandler([this](const RecordedRequest &request) {
        const QStringList texts = textsOf(request);
        switch (m_wire) {
        case EmbeddingWire::OpenAi:
            return FakeResponse::json(
                200, embeddings::openAiResponse(texts, m_dimension,
                                                request.json().value(QStringLiteral("model")).toString()));
        case EmbeddingWire::Vertex:
            return FakeResponse::json(200, embeddings::vertexResponse(texts, m_dimension));
        case EmbeddingWire::Gemini:
            return FakeResponse::json(200, embeddings::geminiResponse(texts, m_dimension));
        }
        return FakeResponse::json(500, {});
    });
}

QString FakeEmbeddingServer::baseUrl() const
{
    return m_wire == EmbeddingWire::OpenAi ? origin() + QStringLiteral("/v1") : origin();
}

QStringList FakeEmbeddingServer::textsOf(const RecordedRequest &request) const
{
    QStringList texts;
    const QJsonObject body = request.json();
    switch (m_wire) {
    case EmbeddingWire::OpenAi:
        for (const QJsonValue &v : body.value(QStringLiteral("input")).toArray())
            texts.append(v.toString());
        break;
    case EmbeddingWire::Vertex:
        for (const QJsonValue &v : body.value(QStringLiteral("instances")).toArray())
            texts.append(v.toObject().value(QStringLiteral("content")).toString());
        break;
    case EmbeddingWire::Gemini:
        for (const QJsonValue &v : body.value(QStringLiteral("requests")).toArray())
            texts.append(v.toObject()
                             .value(QStringLiteral("content"))
                             .toObject()
                             .value(QStringLiteral("parts"))
                             .toArray()
                             .at(0)
                             .toObject()
                             .value(QStringLiteral("text"))
                             .toString());
        break;
    }
    return texts;
}

QList<QStringList> FakeEmbeddingServer::batches() const
{
    QList<QStringList> out;
    for (const RecordedRequest &request : requests())
        out.append(textsOf(request));
    return out;
}

} // namespace agency::test
