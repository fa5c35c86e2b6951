// The OpenAI Responses API and GET /v1/models/{id} end to end over raw HTTP, every object
// validated against OpenAI's published schemas (Response, ResponseStreamEvent, Model,
// ErrorResponse): plain and streamed responses, reading one back, continuing by
// previous_response_id and by conversation, the refusals, and response formats (json_object,
// json_schema) on /v1/responses and /v1/chat/completions: what the provider is sent, the answer
// checked against the schema, and the demo provider answering a schema offline.
#include "jsonschemavalidator.h"
#include "serverfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QRegularExpression>
#include <QTest>

using namespace agency;
using agency::test::JsonSchemaValidator;
using agency::test::RawResponse;
namespace openai = agency::test::openai;

namespace {

JsonSchemaValidator schema(const char *name)
{
    QFile file(QFINDTESTDATA(QStringLiteral("../llm/schemas/") + QString::fromLatin1(name)));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open schema %s", name);
    return JsonSchemaValidator(QJsonDocument::fromJson(file.readAll()).object());
}

QByteArray body(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

QJsonObject forecastSchema()
{
    return QJsonDocument::fromJson(R"({"type": "object",
        "properties": {"city": {"type": "string", "minLength": 2}, "celsius": {"type": "number"},
                       "sky": {"enum": ["sun", "rain"]}},
        "required": ["city", "celsius", "sky"], "additionalProperties": false})")
        .object();
}

QString outputText(const QJsonObject &response)
{
    return response[QStringLiteral("output")][0][QStringLiteral("content")][0][QStringLiteral("text")]
        .toString();
}

} // namespace

class TestResponsesApi : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;

    RawResponse create(const QJsonObject &request)
    {
        return m_fx.request("POST", "/v1/responses", body(request));
    }

    void verifyError(const RawResponse &response, int status, const QString &param)
    {
        QCOMPARE(response.status, status);
        QCOMPARE(schema("openai-error.schema.json").validate(response.json()), QStringList());
        const QJsonObject error = response.json().value(QStringLiteral("error")).toObject();
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
        if (!param.isNull())
            QCOMPARE(error.value(QStringLiteral("param")).toString(), param);
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.startServer(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void oneModel()
    {
        const RawResponse found = m_fx.request("GET", "/v1/models/weather");
        QCOMPARE(found.status, 200);
        QCOMPARE(schema("openai-model.schema.json").validate(found.json()), QStringList());
        QCOMPARE(found.json().value(QStringLiteral("id")).toString(), QStringLiteral("weather"));
        const RawResponse missing = m_fx.request("GET", "/v1/models/no-such-flow");
        verifyError(missing, 404, QStringLiteral("model"));
        QCOMPARE(missing.json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("model_not_found"));
        QCOMPARE(missing.json()[QStringLiteral("error")][QStringLiteral("type")].toString(),
                 QStringLiteral("not_found_error"));
    }

    void plainResponseIsAStoredTurn()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Grow "), QStringLiteral("slowly.")}, {},
                                               core::Usage{21, 4, 25}));
        const RawResponse response =
            create({{QStringLiteral("model"), QStringLiteral("consulting")},
                    {QStringLiteral("instructions"), QStringLiteral("Answer in two words.")},
                    {QStringLiteral("input"), QStringLiteral("Advice?")},
                    {QStringLiteral("temperature"), 0.3}});
        QCOMPARE(response.status, 200);
        const QJsonObject object = response.json();
        QCOMPARE(schema("openai-response.schema.json").validate(object), QStringList());
        const QString id = object.value(QStringLiteral("id")).toString();
        QVERIFY2(QRegularExpression(QStringLiteral("^resp_[0-9a-f]{48}$")).match(id).hasMatch(),
                 qPrintable(id));
        QCOMPARE(object.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        QCOMPARE(object.value(QStringLiteral("model")).toString(), QStringLiteral("consulting"));
        QCOMPARE(object.value(QStringLiteral("instructions")).toString(),
                 QStringLiteral("Answer in two words."));
        QCOMPARE(outputText(object), QStringLiteral("Grow slowly."));
        const QJsonObject usage = object.value(QStringLiteral("usage")).toObject();
        QCOMPARE(usage.value(QStringLiteral("input_tokens")).toInt(), 21);
        QCOMPARE(usage.value(QStringLiteral("output_tokens")).toInt(), 4);
        QCOMPARE(usage.value(QStringLiteral("total_tokens")).toInt(), 25);
        // Stored: the instructions, the input and the answer.
        const QUuid conversation =
            QUuid::fromString(QString::fromLatin1(response.header("x-conversation-id")));
        QCOMPARE(object[QStringLiteral("conversation")][QStringLiteral("id")].toString(),
                 conversation.toString(QUuid::WithoutBraces));
        const QList<core::Message> stored = m_fx.stored(conversation);
        QCOMPARE(stored.size(), 3);
        QCOMPARE(stored.at(0).role, core::Role::System);
        QCOMPARE(stored.at(1).content, QStringLiteral("Advice?"));
        // The provider saw the instructions as a system message.
        const QJsonArray sent =
            m_fx.llm().chatRequests().last().json().value(QStringLiteral("messages")).toArray();
        QVERIFY(QJsonDocument(sent).toJson().contains("Answer in two words."));

        const RawResponse again = m_fx.request("GET", "/v1/responses/" + id.toLatin1());
        QCOMPARE(again.status, 200);
        QCOMPARE(schema("openai-response.schema.json").validate(again.json()), QStringList());
        QCOMPARE(again.json().value(QStringLiteral("id")).toString(), id);
        QCOMPARE(outputText(again.json()), QStringLiteral("Grow slowly."));
        QCOMPARE(again.json()
                     .value(QStringLiteral("usage"))
                     .toObject()
                     .value(QStringLiteral("total_tokens"))
                     .toInt(),
                 25);
        // An id of this form naming nothing, or not of this form: OpenAI's 404.
        QByteArray forged = id.toLatin1();
        forged[10] = forged[10] == '0' ? '1' : '0';
        verifyError(m_fx.request("GET", "/v1/responses/" + forged), 404, {});
        verifyError(m_fx.request("GET", "/v1/responses/" + id.toLatin1() + "0"), 404, {});
    }

    void streamedContinuation()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("First.")}));
        const RawResponse first = create({{QStringLiteral("model"), QStringLiteral("consulting")},
                                          {QStringLiteral("input"), QStringLiteral("Hello")}});
        QCOMPARE(first.status, 200);
        const QString firstId = first.json().value(QStringLiteral("id")).toString();

        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("One, "), QStringLiteral("two.")}, {},
                                               core::Usage{30, 6, 36}));
        const QJsonArray input{
            QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                        {QStringLiteral("content"),
                         QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("input_text")},
                                                {QStringLiteral("text"), QStringLiteral("Count")}}}}}};
        const RawResponse response = create({{QStringLiteral("model"), QStringLiteral("consulting")},
                                             {QStringLiteral("stream"), true},
                                             {QStringLiteral("previous_response_id"), firstId},
                                             {QStringLiteral("input"), input}});
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("content-type").startsWith("text/event-stream"));
        const auto events = response.events();
        const JsonSchemaValidator eventSchema = schema("openai-response-event.schema.json");
        QStringList types;
        QString text;
        for (qsizetype i = 0; i < events.size(); ++i) {
            const QJsonObject event = events.at(i).json();
            const QString type = event.value(QStringLiteral("type")).toString();
            const QStringList errors = eventSchema.validate(event);
            QVERIFY2(errors.isEmpty(),
                     qPrintable(type + QStringLiteral(": ") + errors.join(u'\n').left(3000)));
            QCOMPARE(QString::fromLatin1(events.at(i).name), type);
            QCOMPARE(event.value(QStringLiteral("sequence_number")).toInt(-1), int(i));
            if (type == QLatin1String("response.output_text.delta"))
                text += event.value(QStringLiteral("delta")).toString();
            if (types.isEmpty() || types.last() != type)
                types.append(type);
        }
        QCOMPARE(
            types,
            (QStringList{
                QStringLiteral("response.created"), QStringLiteral("response.in_progress"),
                QStringLiteral("response.output_item.added"), QStringLiteral("response.content_part.added"),
                QStringLiteral("response.output_text.delta"), QStringLiteral("response.output_text.done"),
                QStringLiteral("response.content_part.done"), QStringLiteral("response.output_item.done"),
                QStringLiteral("response.completed")}));
        QCOMPARE(text, QStringLiteral("One, two."));
        const QJsonObject completed = events.last().json().value(QStringLiteral("response")).toObject();
        QCOMPARE(schema("openai-response.schema.json").validate(completed), QStringList());
        QCOMPARE(outputText(completed), text);
        QCOMPARE(completed.value(QStringLiteral("previous_response_id")).toString(), firstId);
        QCOMPARE(completed[QStringLiteral("usage")][QStringLiteral("total_tokens")].toInt(), 36);
        const QString conversation =
            first.json()[QStringLiteral("conversation")][QStringLiteral("id")].toString();
        QCOMPARE(completed[QStringLiteral("conversation")][QStringLiteral("id")].toString(), conversation);
        QCOMPARE(m_fx.stored(QUuid::fromString(conversation)).size(), 4);
        // The response created at the start names the turn it completes.
        QCOMPARE(events.first().json()[QStringLiteral("response")][QStringLiteral("id")].toString(),
                 completed.value(QStringLiteral("id")).toString());
        const RawResponse read =
            m_fx.request("GET", "/v1/responses/" + completed[QStringLiteral("id")].toString().toLatin1());
        QCOMPARE(outputText(read.json()), QStringLiteral("One, two."));

        // `conversation` continues it as well.
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Three.")}));
        const RawResponse third = create({{QStringLiteral("model"), QStringLiteral("consulting")},
                                          {QStringLiteral("conversation"), conversation},
                                          {QStringLiteral("input"), QStringLiteral("More")}});
        QCOMPARE(third.status, 200);
        QCOMPARE(m_fx.stored(QUuid::fromString(conversation)).size(), 6);
    }

    void refusals()
    {
        const QJsonObject base{{QStringLiteral("model"), QStringLiteral("consulting")},
                               {QStringLiteral("input"), QStringLiteral("x")}};
        const auto with = [&](const QString &key, const QJsonValue &value) {
            QJsonObject request = base;
            request.insert(key, value);
            return create(request);
        };
        verifyError(with(QStringLiteral("tools"),
                         QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("function")},
                                                {QStringLiteral("name"), QStringLiteral("f")}}}),
                    400, QStringLiteral("tools"));
        verifyError(with(QStringLiteral("inputs"), 1), 400, QStringLiteral("inputs"));
        verifyError(with(QStringLiteral("store"), false), 400, QStringLiteral("store"));
        verifyError(
            with(QStringLiteral("input"),
                 QJsonArray{QJsonObject{{QStringLiteral("type"), QStringLiteral("function_call_output")},
                                        {QStringLiteral("call_id"), QStringLiteral("c")},
                                        {QStringLiteral("output"), QStringLiteral("42")}}}),
            400, QStringLiteral("input[0].type"));
        verifyError(with(QStringLiteral("previous_response_id"), QStringLiteral("resp_123")), 400,
                    QStringLiteral("previous_response_id"));
        QJsonObject both = base;
        both.insert(QStringLiteral("previous_response_id"), QStringLiteral("resp_123"));
        both.insert(QStringLiteral("instructions"), QStringLiteral("Be brief."));
        verifyError(create(both), 400, QStringLiteral("instructions"));
        verifyError(with(QStringLiteral("text"),
                         QJsonObject{{QStringLiteral("format"),
                                      QJsonObject{{QStringLiteral("type"), QStringLiteral("xml")}}}}),
                    400, QStringLiteral("text.format.type"));
        // A continued conversation of another tenant (or none) is a 404, like any conversation.
        verifyError(with(QStringLiteral("conversation"), QUuid::createUuid().toString(QUuid::WithoutBraces)),
                    404, {});
        QCOMPARE(m_fx.llm().chatRequests().size(), 0);
    }

    void jsonSchemaReachesTheProviderAndIsChecked()
    {
        const QJsonObject format{{QStringLiteral("type"), QStringLiteral("json_schema")},
                                 {QStringLiteral("name"), QStringLiteral("forecast")},
                                 {QStringLiteral("strict"), true},
                                 {QStringLiteral("schema"), forecastSchema()}};
        const QJsonObject request{{QStringLiteral("model"), QStringLiteral("consulting")},
                                  {QStringLiteral("input"), QStringLiteral("Forecast for Rome")},
                                  {QStringLiteral("text"), QJsonObject{{QStringLiteral("format"), format}}}};
        m_fx.llm().enqueue(
            openai::streamReply({QStringLiteral(R"({"city":"Rome","celsius":24,"sky":"sun"})")}));
        const RawResponse good = create(request);
        QCOMPARE(good.status, 200);
        QCOMPARE(QJsonDocument::fromJson(outputText(good.json()).toUtf8())
                     .object()
                     .value(QStringLiteral("city"))
                     .toString(),
                 QStringLiteral("Rome"));
        QCOMPARE(
            good.json()[QStringLiteral("text")][QStringLiteral("format")][QStringLiteral("name")].toString(),
            QStringLiteral("forecast"));
        const QJsonObject sent =
            m_fx.llm().chatRequests().last().json().value(QStringLiteral("response_format")).toObject();
        QCOMPARE(sent.value(QStringLiteral("type")).toString(), QStringLiteral("json_schema"));
        QCOMPARE(sent[QStringLiteral("json_schema")][QStringLiteral("name")].toString(),
                 QStringLiteral("forecast"));
        QCOMPARE(sent[QStringLiteral("json_schema")][QStringLiteral("strict")].toBool(), true);
        QCOMPARE(sent[QStringLiteral("json_schema")][QStringLiteral("schema")].toObject(), forecastSchema());

        // An answer that breaks the schema fails the turn: a 502 in OpenAI's shape, not a 200.
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral(R"({"city":"Rome","sky":"fog"})")}));
        const RawResponse bad = create(request);
        verifyError(bad, 502, {});
        QVERIFY(bad.json()[QStringLiteral("error")][QStringLiteral("message")].toString().contains(
            QLatin1String("celsius")));

        // A schema the answer cannot be checked against is refused before any provider call.
        const qsizetype calls = m_fx.llm().chatRequests().size();
        QJsonObject unusable = format;
        unusable.insert(QStringLiteral("schema"),
                        QJsonObject{{QStringLiteral("$ref"), QStringLiteral("#/x")}});
        QJsonObject refused = request;
        refused.insert(QStringLiteral("text"), QJsonObject{{QStringLiteral("format"), unusable}});
        verifyError(create(refused), 400, {});
        QCOMPARE(m_fx.llm().chatRequests().size(), calls);
    }

    void chatCompletionsResponseFormat()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral(R"({"answer": 42})")}));
        const QJsonObject request{
            {QStringLiteral("model"), QStringLiteral("consulting")},
            {QStringLiteral("messages"),
             QJsonArray{QJsonObject{{QStringLiteral("role"), QStringLiteral("user")},
                                    {QStringLiteral("content"), QStringLiteral("JSON please")}}}},
            {QStringLiteral("response_format"),
             QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}}}};
        const RawResponse ok = m_fx.request("POST", "/v1/chat/completions", body(request));
        QCOMPARE(ok.status, 200);
        QCOMPARE(m_fx.llm().chatRequests().last().json().value(QStringLiteral("response_format")).toObject(),
                 (QJsonObject{{QStringLiteral("type"), QStringLiteral("json_object")}}));
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Sure! Here it is.")}));
        verifyError(m_fx.request("POST", "/v1/chat/completions", body(request)), 502, {});
        QJsonObject misplaced = request;
        misplaced.insert(QStringLiteral("response_format"),
                         QJsonObject{{QStringLiteral("type"), QStringLiteral("json_schema")},
                                     {QStringLiteral("schema"), forecastSchema()}});
        verifyError(m_fx.request("POST", "/v1/chat/completions", body(misplaced)), 400,
                    QStringLiteral("response_format.schema"));
    }

    void demoProviderAnswersTheSchemaOffline()
    {
        m_fx.stopServer();
        QVERIFY2(m_fx.startServer({{QStringLiteral("LLM_PROVIDER"), QStringLiteral("demo")}}),
                 qPrintable(m_fx.error()));
        const QJsonObject format{{QStringLiteral("type"), QStringLiteral("json_schema")},
                                 {QStringLiteral("name"), QStringLiteral("forecast")},
                                 {QStringLiteral("schema"), forecastSchema()}};
        const RawResponse response =
            create({{QStringLiteral("model"), QStringLiteral("consulting")},
                    {QStringLiteral("input"), QStringLiteral("Forecast?")},
                    {QStringLiteral("stream"), true},
                    {QStringLiteral("text"), QJsonObject{{QStringLiteral("format"), format}}}});
        QCOMPARE(response.status, 200);
        const QJsonObject completed =
            response.events().last().json().value(QStringLiteral("response")).toObject();
        QCOMPARE(completed.value(QStringLiteral("status")).toString(), QStringLiteral("completed"));
        const QJsonObject answer = QJsonDocument::fromJson(outputText(completed).toUtf8()).object();
        QCOMPARE(JsonSchemaValidator(forecastSchema()).validate(answer), QStringList());
        QCOMPARE(answer.value(QStringLiteral("sky")).toString(), QStringLiteral("sun"));
        QCOMPARE(m_fx.llm().chatRequests().size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestResponsesApi)
#include "test_responsesapi.moc"
