#pragma once

#include <QByteArray>
#include <QLatin1StringView>
#include <QString>
#include <QStringView>

namespace agency::llm {

/// Writes compact JSON straight into a byte array, for request bodies built on every provider call.
///
/// Why: building a QJsonObject tree and serialising it through QJsonDocument allocates every key
/// and value twice (CBOR containers, then the text); in a profile of the turn benchmark that was over a
/// quarter of the engine thread's time per provider call. The output is byte for byte what
/// QJsonDocument::toJson(Compact) prints for the same values, provided the caller writes each
/// object's keys in ascending order as QJsonObject keeps them (tests/llm/test_jsonwriter.cpp
/// checks it), so the wire format does not change.
///
/// Plain value, no thread affinity. The caller is responsible for well-formedness (every begin has
/// its end, a key before each object member); commas are placed automatically.
class JsonWriter
{
public:
    explicit JsonWriter(qsizetype reserve = 0) { m_out.reserve(reserve); }

    JsonWriter &beginObject() { return open('{'); }
    JsonWriter &endObject() { return close('}'); }
    JsonWriter &beginArray() { return open('['); }
    JsonWriter &endArray() { return close(']'); }
    /// An object member's name. `name` is plain ASCII needing no escape (a literal in our code).
    JsonWriter &key(QLatin1StringView name);

    JsonWriter &value(QStringView text);
    JsonWriter &value(const QString &text) { return value(QStringView(text)); }
    JsonWriter &value(QLatin1StringView asciiText); ///< plain ASCII needing no escape
    JsonWriter &value(qint64 number);
    JsonWriter &value(int number) { return value(qint64{number}); }
    JsonWriter &value(double number); ///< non-finite numbers become null, as in QJsonDocument
    JsonWriter &value(bool flag);
    JsonWriter &null();
    /// An already serialised JSON value (e.g. a schema printed once by QJsonDocument).
    JsonWriter &raw(const QByteArray &json);

    const QByteArray &bytes() const { return m_out; }
    QByteArray take() { return std::move(m_out); }

private:
    void separate();
    JsonWriter &open(char bracket);
    JsonWriter &close(char bracket);

    QByteArray m_out;
    bool m_needComma = false;
};

/// Appends `text` as a JSON string literal (quotes included), escaped exactly as QJsonDocument
/// does: `"`, `\` and control characters escaped (\b \f \n \r \t, others as \u00xx), everything
/// else as UTF-8, and unpaired surrogates (not representable in UTF-8) as \uxxxx.
void appendJsonString(QByteArray &out, QStringView text);

} // namespace agency::llm
