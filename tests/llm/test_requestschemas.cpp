// The request bodies the adapters send validate against the providers' published schemas
// (tests/llm/schemas: extracted from ../shared/specs; the Vertex one rejects unknown fields as the
// real API does).
#include "jsonschemavalidator.h"
#include "llm/openaiwire.h"
#include "llm/vertexwire.h"
#include "llmtesthelpers.h"

#include <QFile>

using namespace agency;
using namespace agency::test;

namespace {

QJsonObject loadSchema(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QJsonDocument::fromJson(file.readAll()).object();
}

/// Requests covering every message kind, tool choice and option.
QList<QPair<QString, llm::CompletionRequest>> scenarios()
{
    QList<QPair<QString, llm::CompletionRequest>> out;
    out.append({QStringLiteral("one user message"), userRequest(QStringLiteral("hello"))});
    llm::CompletionRequest round2 = weatherRound2();
    round2.temperature = 0.2;
    round2.maxTokens = 300;
    out.append({QStringLiteral("tool round trip"), round2});
    for (const llm::ToolChoice &choice : {llm::ToolChoice::none(), llm::ToolChoice::required(),
                                          llm::ToolChoice::function(QStringLiteral("get_weather"))}) {
        llm::CompletionRequest r = round2;
        r.toolChoice = choice;
        out.append({QStringLiteral("tool choice %1").arg(int(choice.mode)), r});
    }
    llm::CompletionRequest mixed = round2;
    core::ChatMessage both = message(core::Role::Assistant, QStringLiteral("Checking two cities."));
    both.toolCalls = {
        {QStringLiteral("c1"), QStringLiteral("get_weather"), QStringLiteral("{\"location\":\"Rome\"}")},
        {QStringLiteral("c2"), QStringLiteral("get_weather"), QStringLiteral("not json")}};
    core::ChatMessage r1 = message(core::Role::Tool, QStringLiteral("plain text result"));
    r1.toolCallId = QStringLiteral("c1");
    core::ChatMessage r2 = message(core::Role::Tool, QStringLiteral("[1,2]"));
    r2.toolCallId = QStringLiteral("c2");
    r2.name = QStringLiteral("get_weather");
    mixed.messages += {both,
                       r1,
                       r2,
                       message(core::Role::Assistant, QStringLiteral("Done.")),
                       message(core::Role::System, QStringLiteral("Late system note.")),
                       message(core::Role::User, QStringLiteral("And tomorrow?"))};
    out.append({QStringLiteral("parallel calls, odd results"), mixed});
    llm::CompletionRequest jsonMode = round2;
    jsonMode.responseFormat.kind = core::ResponseFormat::Kind::JsonObject;
    out.append({QStringLiteral("JSON mode"), jsonMode});
    llm::CompletionRequest structured = userRequest(QStringLiteral("hello"));
    structured.responseFormat.kind = core::ResponseFormat::Kind::JsonSchema;
    structured.responseFormat.name = QStringLiteral("forecast");
    structured.responseFormat.description = QStringLiteral("A short forecast");
    structured.responseFormat.strict = true;
    structured.responseFormat.schema = QJsonDocument::fromJson(R"({"type": "object",
        "properties": {"city": {"type": "string"}, "celsius": {"type": ["number", "null"]},
                       "sky": {"enum": ["sun", "rain"]}},
        "required": ["city", "celsius", "sky"], "additionalProperties": false})")
                                           .object();
    out.append({QStringLiteral("JSON schema"), structured});
    return out;
}

} // namespace

class TestRequestSchemas : public QObject
{
    Q_OBJECT

private:
    QJsonObject m_openAi;
    QJsonObject m_mistral;
    QJsonObject m_vertex;

private Q_SLOTS:
    void initTestCase()
    {
        m_openAi = loadSchema(QFINDTESTDATA("schemas/openai-chat-request.schema.json"));
        m_mistral = loadSchema(QFINDTESTDATA("schemas/mistral-chat-request.schema.json"));
        m_vertex = loadSchema(QFINDTESTDATA("schemas/vertex-generate-content.schema.json"));
        QVERIFY(!m_openAi.isEmpty() && !m_mistral.isEmpty() && !m_vertex.isEmpty());
    }

    void validatorBites()
    {
        // A validator that accepts everything proves nothing: these must fail.
        const JsonSchemaValidator vertex(m_vertex);
        QVERIFY(!vertex
                     .validate(QJsonObject{{QStringLiteral("contents"), QJsonArray()},
                                           {QStringLiteral("prompt"), 1}})
                     .isEmpty());
        QVERIFY(!vertex
                     .validate(QJsonObject{
                         {QStringLiteral("toolConfig"),
                          QJsonObject{{QStringLiteral("functionCallingConfig"),
                                       QJsonObject{{QStringLiteral("mode"), QStringLiteral("REQUIRED")}}}}}})
                     .isEmpty());
        const JsonSchemaValidator openAi(m_openAi);
        QVERIFY(!openAi.validate(QJsonObject{{QStringLiteral("model"), QStringLiteral("m")}})
                     .isEmpty()); // no messages
        llm::CompletionRequest r = weatherRound2();
        r.toolChoice = llm::ToolChoice::required();
        const QJsonObject mistralBody =
            chatRequestJson(r, llm::OpenAiDialect::mistral(), QStringLiteral("m"), false);
        QVERIFY(!openAi.validate(mistralBody).isEmpty()); // "any" is Mistral's, not OpenAI's
        const JsonSchemaValidator mistral(m_mistral);
        const QJsonObject openAiStream =
            chatRequestJson(userRequest(QStringLiteral("x")),
                            llm::OpenAiDialect::openAi(QUrl(QStringLiteral("https://api.openai.com/v1"))),
                            QStringLiteral("m"), true);
        QVERIFY(!mistral.validate(openAiStream).isEmpty()); // Mistral rejects stream_options
    }

    void openAiRequests()
    {
        const JsonSchemaValidator validator(m_openAi);
        for (const QUrl &base : {QUrl(QStringLiteral("https://api.openai.com/v1")),
                                 QUrl(QStringLiteral("http://localhost:11434/v1"))}) {
            for (const auto &[name, request] : scenarios()) {
                for (bool stream : {false, true}) {
                    const QJsonObject body = chatRequestJson(request, llm::OpenAiDialect::openAi(base),
                                                             QStringLiteral("gpt-4o"), stream);
                    const QStringList errors = validator.validate(body);
                    QVERIFY2(errors.isEmpty(), qPrintable(name + QStringLiteral(": ") + errors.join(u'\n')));
                }
            }
        }
    }

    void mistralRequests()
    {
        const JsonSchemaValidator validator(m_mistral);
        for (const auto &[name, request] : scenarios()) {
            for (bool stream : {false, true}) {
                const QJsonObject body = chatRequestJson(request, llm::OpenAiDialect::mistral(),
                                                         QStringLiteral("mistral-small-latest"), stream);
                const QStringList errors = validator.validate(body);
                QVERIFY2(errors.isEmpty(), qPrintable(name + QStringLiteral(": ") + errors.join(u'\n')));
            }
        }
    }

    void vertexRequests()
    {
        const JsonSchemaValidator validator(m_vertex);
        for (const auto &[name, request] : scenarios()) {
            const QJsonObject body = llm::buildGenerateContentRequest(request);
            const QStringList errors = validator.validate(body);
            QVERIFY2(errors.isEmpty(), qPrintable(name + QStringLiteral(": ") + errors.join(u'\n')));
            // Vertex accepts only these roles in contents.
            for (const QJsonValue &content : body.value(QStringLiteral("contents")).toArray()) {
                const QString role = content.toObject().value(QStringLiteral("role")).toString();
                QVERIFY2(role == QLatin1String("user") || role == QLatin1String("model"), qPrintable(role));
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestRequestSchemas)
#include "test_requestschemas.moc"
