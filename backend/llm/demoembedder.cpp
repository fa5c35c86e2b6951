#include "demoembedder.h"

#include "core/tokenestimate.h"

#include <QHash>
#include <QSet>

#include <cmath>

namespace agency::llm {

namespace {

// Weights per feature kind: whole words count most; the shared prefix ("stem") and character
// n-grams carry inflections and compounds; bigrams reward the same phrase.
constexpr float kWordWeight = 1.0f;
constexpr float kStemWeight = 0.6f;
constexpr float kBigramWeight = 0.5f;
constexpr float kGramWeight = 0.22f;
constexpr int kStemLength = 5;

enum class Kind : quint64 { Word = 1, Stem = 2, Bigram = 3, Gram3 = 4, Gram4 = 5 };

/// Words too common to say what a passage is about.
const QSet<QString> &stopWords()
{
    static const QSet<QString> words = [] {
        QSet<QString> set;
        for (const char *w :
             {"a",     "an",   "and", "are",  "as",   "at",   "be",   "but",   "by",   "for", "from", "has",
              "have",  "how",  "i",   "in",   "is",   "it",   "its",  "of",    "on",   "or",  "that", "the",
              "their", "this", "to",  "was",  "were", "what", "when", "which", "who",  "why", "will", "with",
              "we",    "you",  "our", "they", "does", "do",   "can",  "into",  "there"})
            set.insert(QLatin1String(w));
        return set;
    }();
    return words;
}

/// FNV-1a over the UTF-16 code units, seeded by kind, then a finaliser so low bits are well mixed.
quint64 featureHash(Kind kind, QStringView text)
{
    quint64 h = 14695981039346656037ULL ^ (static_cast<quint64>(kind) * 0x9E3779B97F4A7C15ULL);
    for (const QChar c : text) {
        h ^= c.unicode();
        h *= 1099511628211ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

QStringList words(const QString &text)
{
    QStringList out;
    QString current;
    for (const QChar c : text) {
        if (c.isLetterOrNumber()) {
            current += c.toLower();
        } else if (!current.isEmpty()) {
            out.append(current);
            current.clear();
        }
    }
    if (!current.isEmpty())
        out.append(current);
    return out;
}

struct Feature
{
    float weight = 0;
    int count = 0;
};

class FeatureBag
{
public:
    void add(Kind kind, QStringView text, float weight)
    {
        Feature &f = m_features[featureHash(kind, text)];
        f.weight = weight;
        ++f.count;
    }
    QVector<float> vector() const
    {
        QVector<float> v(DemoEmbedder::kDimension, 0.0f);
        for (auto it = m_features.cbegin(); it != m_features.cend(); ++it) {
            const quint64 h = it.key();
            const float sign = (h >> 63) ? -1.0f : 1.0f;
            // Sublinear term frequency: the tenth mention of a word says less than the first.
            v[static_cast<int>(h % DemoEmbedder::kDimension)] +=
                sign * it->weight * (1.0f + std::log(static_cast<float>(it->count)));
        }
        return v;
    }
    bool isEmpty() const { return m_features.isEmpty(); }

private:
    QHash<quint64, Feature> m_features;
};

} // namespace

QVector<float> DemoEmbedder::embedText(const QString &text)
{
    FeatureBag bag;
    QString previous;
    for (const QString &word : words(text)) {
        if (stopWords().contains(word))
            continue;
        bag.add(Kind::Word, word, kWordWeight);
        if (word.size() > kStemLength)
            bag.add(Kind::Stem, QStringView(word).left(kStemLength), kStemWeight);
        if (!previous.isEmpty())
            bag.add(Kind::Bigram, QString(previous + u' ' + word), kBigramWeight);
        previous = word;
        const QString marked = u'<' + word + u'>';
        for (int n : {3, 4}) {
            for (qsizetype i = 0; i + n <= marked.size(); ++i)
                bag.add(n == 3 ? Kind::Gram3 : Kind::Gram4, QStringView(marked).mid(i, n), kGramWeight);
        }
    }
    QVector<float> v = bag.vector();
    double norm = 0;
    for (float x : v)
        norm += static_cast<double>(x) * x;
    if (norm <= 0) {
        v[0] = 1.0f; // no words: a fixed unit vector, so the contract (unit length) holds
        return v;
    }
    const float scale = static_cast<float>(1.0 / std::sqrt(norm));
    for (float &x : v)
        x *= scale;
    return v;
}

core::Async<Embeddings> DemoEmbedder::embed(const QStringList &texts, EmbeddingPurpose,
                                            const core::CancelTokenPtr &cancel)
{
    Embeddings out;
    out.model = modelName();
    out.dimension = kDimension;
    out.vectors.reserve(texts.size());
    for (const QString &text : texts) {
        if (cancel && cancel->isCancelled())
            return core::failedAsync<Embeddings>(
                core::makeError(core::ErrorCode::Cancelled, QStringLiteral("demo embedding: cancelled")));
        out.vectors.append(embedText(text));
        out.promptTokens += core::estimateTokens(text);
    }
    return core::readyAsync<Embeddings>(std::move(out));
}

} // namespace agency::llm
