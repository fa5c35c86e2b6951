// The OpenAI-compatible wire objects the server builds validate against OpenAI's published
// response schemas (tests/llm/schemas, extracted from ../shared/specs), and the request parser
// accepts what the official SDKs send and refuses what the server cannot honour with OpenAI's
// error shape.
#include "http/chatwire.h"
#include "http/openaicompat.h"
#include "http/requestparsing.h"
#include "jsonschemavalidator.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

#include <functional>

using namespace agency;
using namespace agency::http;
using agency::test::JsonSchemaValidator;

namespace {

QJsonObject loadSchema(const QString &name)
{
    const QString path = QFINDTESTDATA(QStringLiteral("../llm/schemas/") + name);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open schema %s", qPrintable(name));
    return QJsonDocument::fromJson(file.readAll()).object();
}

QJsonObject json(const char *text)
{
    return QJsonDocument::fromJson(QByteArray(text)).object();
}

core::Usage usage(qint64 prompt, qint64 completion)
{
    return {prompt, completion, prompt + completion};
}

} // namespace

class TestOpenAiCompat : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void completionMatchesSchema()
    {
        const JsonSchemaValidator schema(loadSchema(QStringLiteral("openai-chat-response.schema.json")));
        const auto identity = openai::newCompletionIdentity(QStringLiteral("weather"), 1700000000);
        const QJsonObject object = openai::completionObject(identity, QStringLiteral("Sunny."),
                                                            QStringLiteral("stop"), usage(12, 3));
        QCOMPARE(schema.validate(object), QStringList());
        QVERIFY(identity.id.startsWith(QLatin1String("chatcmpl-")));
        QCOMPARE(object.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion"));
        QCOMPARE(object.value(QStringLiteral("created")).toInteger(), 1700000000);
        const QJsonObject choice = object.value(QStringLiteral("choices")).toArray().at(0).toObject();
        QCOMPARE(choice.value(QStringLiteral("index")).toInt(-1), 0);
        QCOMPARE(
            choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString(),
            QStringLiteral("Sunny."));
        QCOMPARE(
            object.value(QStringLiteral("usage")).toObject().value(QStringLiteral("total_tokens")).toInt(),
            15);
        // The validator bites: a completion without its id is refused.
        QJsonObject broken = object;
        broken.insert(QStringLiteral("choices"), QStringLiteral("none"));
        QVERIFY(!schema.validate(broken).isEmpty());
    }

    void chunksMatchSchema()
    {
        const JsonSchemaValidator schema(loadSchema(QStringLiteral("openai-chat-chunk.schema.json")));
        const auto identity = openai::newCompletionIdentity(QStringLiteral("weather"), 1700000000);
        const QJsonObject first = openai::chunkObject(identity, {}, true, {}, true);
        const QJsonObject middle = openai::chunkObject(identity, QStringLiteral("Sun"), false, {}, false);
        const QJsonObject last = openai::chunkObject(identity, {}, false, QStringLiteral("STOP"), true);
        const QJsonObject usageChunk = openai::usageChunkObject(identity, usage(7, 2));
        for (const QJsonObject &chunk : {first, middle, last, usageChunk})
            QCOMPARE(schema.validate(chunk), QStringList());
        auto choice = [](const QJsonObject &chunk) {
            return chunk.value(QStringLiteral("choices")).toArray().at(0).toObject();
        };
        QCOMPARE(choice(first).value(QStringLiteral("delta")).toObject(),
                 json(R"({"role":"assistant","content":""})"));
        QVERIFY(choice(first).value(QStringLiteral("finish_reason")).isNull());
        QVERIFY(first.contains(QStringLiteral("usage")) && first.value(QStringLiteral("usage")).isNull());
        QVERIFY(!middle.contains(QStringLiteral("usage")));
        QCOMPARE(choice(middle).value(QStringLiteral("delta")).toObject(), json(R"({"content":"Sun"})"));
        QCOMPARE(choice(last).value(QStringLiteral("delta")).toObject(), QJsonObject());
        QCOMPARE(choice(last).value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
        QCOMPARE(usageChunk.value(QStringLiteral("choices")).toArray().size(), 0);
        QCOMPARE(usageChunk.value(QStringLiteral("usage"))
                     .toObject()
                     .value(QStringLiteral("prompt_tokens"))
                     .toInt(),
                 7);
        for (const QJsonObject &chunk : {first, middle, last, usageChunk}) {
            QCOMPARE(chunk.value(QStringLiteral("id")).toString(), identity.id);
            QCOMPARE(chunk.value(QStringLiteral("object")).toString(),
                     QStringLiteral("chat.completion.chunk"));
        }
    }

    void finishReasonsAreOpenAis()
    {
        QCOMPARE(openai::finishReasonFor(QStringLiteral("stop")), QStringLiteral("stop"));
        QCOMPARE(openai::finishReasonFor(QStringLiteral("MAX_TOKENS")), QStringLiteral("length"));
        QCOMPARE(openai::finishReasonFor(QStringLiteral("SAFETY")), QStringLiteral("content_filter"));
        QCOMPARE(openai::finishReasonFor(QStringLiteral("round_limit")), QStringLiteral("stop"));
        QCOMPARE(openai::finishReasonFor(QString()), QStringLiteral("stop"));
    }

    void modelListMatchesSchema()
    {
        const JsonSchemaValidator schema(loadSchema(QStringLiteral("openai-models.schema.json")));
        const QJsonObject list = openai::modelListObject(
            {QStringLiteral("weather"), QStringLiteral("general")}, 1700000000, QStringLiteral("agency"));
        QCOMPARE(schema.validate(list), QStringList());
        QCOMPARE(list.value(QStringLiteral("data")).toArray().at(1).toObject().value(QStringLiteral("id")),
                 QStringLiteral("general"));
    }

    void errorsMatchSchema_data()
    {
        QTest::addColumn<int>("code");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("type");
        using C = core::ErrorCode;
        QTest::newRow("bad request") << int(C::BadRequest) << 400 << "invalid_request_error";
        QTest::newRow("validation is 400") << int(C::InvalidArgument) << 400 << "invalid_request_error";
        QTest::newRow("unauthenticated") << int(C::Unauthenticated) << 401 << "authentication_error";
        QTest::newRow("forbidden") << int(C::Forbidden) << 403 << "permission_error";
        QTest::newRow("not found") << int(C::NotFound) << 404 << "not_found_error";
        QTest::newRow("rate limited") << int(C::RateLimited) << 429 << "rate_limit_error";
        QTest::newRow("provider") << int(C::ProviderUnavailable) << 502 << "api_error";
        QTest::newRow("timeout") << int(C::ProviderTimeout) << 504 << "api_error";
        QTest::newRow("database") << int(C::DatabaseUnavailable) << 503 << "api_error";
    }

    void errorsMatchSchema()
    {
        QFETCH(int, code);
        QFETCH(int, status);
        QFETCH(QString, type);
        const JsonSchemaValidator schema(loadSchema(QStringLiteral("openai-error.schema.json")));
        const core::Error error = core::makeError(core::ErrorCode(code), QStringLiteral("it failed"),
                                                  {{QStringLiteral("field"), QStringLiteral("message")}});
        const QJsonObject body = openai::errorObject(error);
        QCOMPARE(schema.validate(body), QStringList());
        QCOMPARE(openai::statusFor(error), status);
        const QJsonObject inner = body.value(QStringLiteral("error")).toObject();
        QCOMPARE(inner.value(QStringLiteral("type")).toString(), type);
        QCOMPARE(inner.value(QStringLiteral("message")).toString(), QStringLiteral("it failed"));
        QCOMPARE(inner.value(QStringLiteral("param")).toString(), QStringLiteral("message"));
        QCOMPARE(inner.value(QStringLiteral("code")).toString(), error.codeName());
    }

    void unknownFlowIsModelNotFound()
    {
        const QJsonObject body =
            openai::errorObject(core::makeError(core::ErrorCode::NotFound, QStringLiteral("flow"),
                                                {{QStringLiteral("flow_type"), QStringLiteral("x")}}));
        QCOMPARE(body.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
                 QStringLiteral("model_not_found"));
        QVERIFY(body.value(QStringLiteral("error")).toObject().value(QStringLiteral("param")).isNull());
    }

    void parsesWhatSdksSend()
    {
        // What the official SDKs send for a streamed chat with a system prompt and text parts.
        const auto parsed = openai::parseChatCompletionRequest(json(R"({
            "model": "weather",
            "messages": [
                {"role": "system", "content": "Answer in French."},
                {"role": "developer", "content": [{"type": "text", "text": "Be brief."}]},
                {"role": "user", "content": "Rome?"},
                {"role": "assistant", "content": "Il fait beau.", "tool_calls": []},
                {"role": "assistant", "content": null},
                {"role": "user", "content": [{"type": "text", "text": "And "}, {"type": "text", "text": "Paris?"}]}
            ],
            "stream": true, "stream_options": {"include_usage": true},
            "metadata": {"conversation_id": "abc"},
            "temperature": 0.3, "max_tokens": 100, "n": 1, "user": "u1", "tools": []
        })"));
        QVERIFY2(parsed.ok(), qPrintable(parsed.ok() ? QString() : parsed.error().message));
        QCOMPARE(parsed->flowType, QStringLiteral("weather"));
        QVERIFY(parsed->stream);
        QVERIFY(parsed->includeUsage);
        QCOMPARE(parsed->conversationId, QStringLiteral("abc"));
        QCOMPARE(parsed->userMessage, QStringLiteral("And Paris?"));
        QCOMPARE(parsed->history.size(), 4); // the empty assistant message adds nothing
        QCOMPARE(parsed->history.at(0).role, core::Role::System);
        QCOMPARE(parsed->history.at(1).role, core::Role::System);
        QCOMPARE(parsed->history.at(1).content, QStringLiteral("Be brief."));
        QCOMPARE(parsed->history.at(2).role, core::Role::User);
        QCOMPARE(parsed->history.at(3).role, core::Role::Assistant);
    }

    void minimalRequestDefaults()
    {
        const auto parsed = openai::parseChatCompletionRequest(
            json(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"));
        QVERIFY(parsed.ok());
        QVERIFY(!parsed->stream);
        QVERIFY(!parsed->includeUsage);
        QVERIFY(parsed->conversationId.isEmpty());
        QVERIFY(parsed->history.isEmpty());
    }

    void refusesWhatItCannotHonour_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("param");
#define USER R"("messages":[{"role":"user","content":"hi"}])"
        QTest::newRow("no model") << "{" USER "}"
                                  << "model";
        QTest::newRow("model not a string") << R"({"model":3,)" USER "}"
                                            << "model";
        QTest::newRow("no messages") << R"({"model":"m"})"
                                     << "messages";
        QTest::newRow("empty messages") << R"({"model":"m","messages":[]})"
                                        << "messages";
        QTest::newRow("client tools")
            << R"({"model":"m",)" USER R"(,"tools":[{"type":"function","function":{"name":"f"}}]})"
            << "tools";
        QTest::newRow("functions") << R"({"model":"m",)" USER R"(,"functions":[{"name":"f"}]})"
                                   << "functions";
        QTest::newRow("n = 2") << R"({"model":"m",)" USER R"(,"n":2})"
                               << "n";
        QTest::newRow("stream not bool") << R"({"model":"m",)" USER R"(,"stream":"yes"})"
                                         << "stream";
        QTest::newRow("include_usage not bool")
            << R"({"model":"m",)" USER R"(,"stream_options":{"include_usage":1}})"
            << "stream_options.include_usage";
        QTest::newRow("conversation id not a string")
            << R"({"model":"m",)" USER R"(,"metadata":{"conversation_id":5}})"
            << "metadata.conversation_id";
#undef USER
        QTest::newRow("last is assistant")
            << R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})"
            << "messages[1]";
        QTest::newRow("last is blank") << R"({"model":"m","messages":[{"role":"user","content":"  "}]})"
                                       << "messages[0]";
        QTest::newRow("tool message")
            << R"({"model":"m","messages":[{"role":"tool","content":"x","tool_call_id":"c"},{"role":"user","content":"a"}]})"
            << "messages[0].role";
        QTest::newRow("assistant tool calls")
            << R"({"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"user","content":"a"}]})"
            << "messages[0].tool_calls";
        QTest::newRow("unknown role") << R"({"model":"m","messages":[{"role":"robot","content":"a"}]})"
                                      << "messages[0].role";
        QTest::newRow("image part")
            << R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})"
            << "messages[0].content";
    }

    void refusesWhatItCannotHonour()
    {
        QFETCH(QString, body);
        QFETCH(QString, param);
        const QJsonDocument doc = QJsonDocument::fromJson(body.toUtf8());
        QVERIFY2(doc.isObject(), qPrintable(body));
        const auto parsed = openai::parseChatCompletionRequest(doc.object());
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, core::ErrorCode::BadRequest);
        QCOMPARE(openai::statusFor(parsed.error()), 400);
        const QJsonObject error =
            openai::errorObject(parsed.error()).value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("param")).toString(), param);
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    }

    void chatBodyValidation_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("field");
        QTest::newRow("no message") << R"({})"
                                    << "message";
        QTest::newRow("blank message") << R"({"message":" "})"
                                       << "message";
        QTest::newRow("message not a string") << R"({"message":1})"
                                              << "message";
        QTest::newRow("tenant not a string") << R"({"message":"a","tenant_id":1})"
                                             << "tenant_id";
        QTest::newRow("bad conversation id") << R"({"message":"a","conversation_id":"nope"})"
                                             << "conversation_id";
        QTest::newRow("stream not bool") << R"({"message":"a","stream":"true"})"
                                         << "stream";
        QTest::newRow("provider not a string") << R"({"message":"a","provider":[]})"
                                               << "provider";
        // A misspelt conversation_id would start a new conversation unnoticed.
        QTest::newRow("unknown field")
            << R"({"message":"a","conversationId":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f"})"
            << "conversationId";
        QTest::newRow("id with trailing junk")
            << R"({"message":"a","conversation_id":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5fxyz"})"
            << "conversation_id";
        QTest::newRow("id with one trailing character")
            << R"({"message":"a","conversation_id":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f0"})"
            << "conversation_id";
        QTest::newRow("braced id")
            << R"({"message":"a","conversation_id":"{6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f}"})"
            << "conversation_id";
    }

    void chatBodyValidation()
    {
        QFETCH(QString, body);
        QFETCH(QString, field);
        const auto parsed = chat::parseChatBody(QJsonDocument::fromJson(body.toUtf8()).object());
        QVERIFY(!parsed.ok());
        QCOMPARE(parsed.error().code, core::ErrorCode::InvalidArgument);
        QCOMPARE(parsed.error().details.value(QStringLiteral("field")).toString(), field);
    }

    void chatBodyAccepted()
    {
        const auto parsed = chat::parseChatBody(json(
            R"({"message":"Rome?","tenant_id":"acme","conversation_id":"6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f",
                "provider":"openai","model":"gpt-x","stream":true})"));
        QVERIFY(parsed.ok());
        QCOMPARE(parsed->tenantId, QStringLiteral("acme"));
        QCOMPARE(parsed->conversationId,
                 QUuid::fromString(QStringLiteral("6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f")));
        QCOMPARE(parsed->provider, QStringLiteral("openai"));
        QCOMPARE(parsed->model, QStringLiteral("gpt-x"));
        QVERIFY(parsed->stream);
    }

    void unknownFieldsAreNamedWithWhatWasMeant()
    {
        const core::Status status = onlyKnownFields(
            json(R"({"conversationId":"x","nmae":"y","zzz":1,"title":"t"})"),
            {QStringLiteral("conversation_id"), QStringLiteral("name"), QStringLiteral("title")});
        QVERIFY(!status.ok());
        QCOMPARE(status.error().code, core::ErrorCode::InvalidArgument);
        const QJsonObject details = status.error().details;
        QCOMPARE(
            details.value(QStringLiteral("unknown_fields")).toArray(),
            (QJsonArray{QStringLiteral("conversationId"), QStringLiteral("nmae"), QStringLiteral("zzz")}));
        QCOMPARE(details.value(QStringLiteral("field")).toString(), QStringLiteral("conversationId"));
        QCOMPARE(details.value(QStringLiteral("did_you_mean")).toObject(),
                 (QJsonObject{{QStringLiteral("conversationId"), QStringLiteral("conversation_id")},
                              {QStringLiteral("nmae"), QStringLiteral("name")}}));
        const QString message = status.error().message;
        QVERIFY2(message.contains(
                     QStringLiteral(R"(unknown fields "conversationId" (did you mean "conversation_id"?))")),
                 qPrintable(message));
        QVERIFY2(message.contains(QStringLiteral(R"("zzz")")), qPrintable(message));
        QVERIFY(!message.contains(QStringLiteral(R"("zzz" (did you mean)")));
        QVERIFY(onlyKnownFields(json(R"({"title":"t"})"), {QStringLiteral("title")}).ok());
        QCOMPARE(closestKnownField(QStringLiteral("CONVERSATION-ID"), {QStringLiteral("conversation_id")}),
                 QStringLiteral("conversation_id"));
        QCOMPARE(closestKnownField(QStringLiteral("id"), {QStringLiteral("n")}), QString());
    }

    void idsAreReadExactly_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("accepted");
        QTest::newRow("canonical") << "6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f" << true;
        QTest::newRow("upper case") << "6F1C1D2E-3A4B-4C5D-8E9F-0A1B2C3D4E5F" << true;
        QTest::newRow("trailing junk") << "6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5fxyz" << false;
        QTest::newRow("trailing digit") << "6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f0" << false;
        QTest::newRow("braces") << "{6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f}" << false;
        QTest::newRow("leading space") << " 6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f" << false;
        QTest::newRow("no dashes") << "6f1c1d2e3a4b4c5d8e9f0a1b2c3d4e5f" << false;
        QTest::newRow("dash moved") << "6f1c1d2e3-a4b-4c5d-8e9f-0a1b2c3d4e5f" << false;
        QTest::newRow("not hex") << "6f1c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5g" << false;
        QTest::newRow("nil") << "00000000-0000-0000-0000-000000000000" << false;
    }

    void idsAreReadExactly()
    {
        QFETCH(QString, text);
        QFETCH(bool, accepted);
        const auto id = parseId(text, QStringLiteral("run_id"));
        QCOMPARE(id.ok(), accepted);
        if (accepted) {
            QCOMPARE(id->toString(QUuid::WithoutBraces), text.toLower());
        } else {
            QCOMPARE(id.error().code, core::ErrorCode::InvalidArgument);
            QCOMPARE(id.error().details.value(QStringLiteral("field")).toString(), QStringLiteral("run_id"));
        }
        QVERIFY(parseId(QString(), QStringLiteral("run_id")).ok()); // absent: the null id
    }

    void acceptsEveryDocumentedRequestField()
    {
        // Every member of OpenAI's CreateChatCompletionRequest (tests/llm/schemas, from the
        // published document) is accepted, whether the server reads it or ignores it.
        const QJsonObject schema = loadSchema(QStringLiteral("openai-chat-request.schema.json"));
        const QJsonObject defs = schema.value(QStringLiteral("$defs")).toObject();
        QStringList documented;
        std::function<void(const QJsonObject &)> collect = [&](const QJsonObject &node) {
            const QString ref = node.value(QStringLiteral("$ref")).toString();
            if (!ref.isEmpty())
                collect(defs.value(ref.section(u'/', -1)).toObject());
            for (const QJsonValue &part : node.value(QStringLiteral("allOf")).toArray())
                collect(part.toObject());
            documented += node.value(QStringLiteral("properties")).toObject().keys();
        };
        collect(schema);
        QVERIFY2(documented.size() > 30, qPrintable(documented.join(u',')));
        for (const QString &field : documented) {
            QJsonObject body = json(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
            if (!body.contains(field))
                body.insert(field, QJsonValue::Null);
            const auto parsed = openai::parseChatCompletionRequest(body);
            QVERIFY2(parsed.ok(), qPrintable(field + QStringLiteral(": ") +
                                             (parsed.ok() ? QString() : parsed.error().message)));
        }
        // Ignored settings with real values too, as SDKs send them.
        QVERIFY(openai::parseChatCompletionRequest(
                    json(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":0.2,
                             "max_completion_tokens":50,"seed":7,"user":"u","response_format":{"type":"text"},
                             "stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}})"))
                    .ok());
    }

    void refusesUndocumentedRequestFields_data()
    {
        QTest::addColumn<QString>("body");
        QTest::addColumn<QString>("param");
        QTest::newRow("top level")
            << R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temprature":1})"
            << "temprature";
        QTest::newRow("stream_options")
            << R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream_options":{"include_usge":true}})"
            << "stream_options.include_usge";
    }

    void refusesUndocumentedRequestFields()
    {
        QFETCH(QString, body);
        QFETCH(QString, param);
        const auto parsed = openai::parseChatCompletionRequest(json(body.toUtf8().constData()));
        QVERIFY(!parsed.ok());
        QCOMPARE(openai::statusFor(parsed.error()), 400);
        const QJsonObject error =
            openai::errorObject(parsed.error()).value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("param")).toString(), param);
        QCOMPARE(error.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
        QVERIFY2(error.value(QStringLiteral("message")).toString().contains(QStringLiteral("did you mean")),
                 qPrintable(error.value(QStringLiteral("message")).toString()));
        QCOMPARE(JsonSchemaValidator(loadSchema(QStringLiteral("openai-error.schema.json")))
                     .validate(openai::errorObject(parsed.error())),
                 QStringList());
    }

    void chatResponseListsToolResults()
    {
        core::TurnResult result;
        result.conversationId = QUuid::createUuid();
        result.content = QStringLiteral("Sunny in Rome.");
        result.provider = QStringLiteral("openai");
        result.model = QStringLiteral("gpt-x");
        result.usage = usage(20, 5);
        core::Message user;
        user.role = core::Role::User;
        core::Message call;
        call.role = core::Role::Assistant;
        call.toolCalls = {
            {QStringLiteral("c1"), QStringLiteral("get_weather"), QStringLiteral(R"({"location":"Rome"})")}};
        core::Message tool;
        tool.role = core::Role::Tool;
        tool.toolCallId = QStringLiteral("c1");
        tool.content = QStringLiteral(R"({"success":true,"temperature":21})");
        tool.metadata = {{QStringLiteral("tool"), QStringLiteral("get_weather")},
                         {QStringLiteral("success"), true}};
        result.messages = {user, call, tool};
        const QJsonObject object = chat::responseObject(result);
        QCOMPARE(object.value(QStringLiteral("response")).toString(), result.content);
        QCOMPARE(object.value(QStringLiteral("conversation_id")).toString(),
                 result.conversationId.toString(QUuid::WithoutBraces));
        QVERIFY(object.value(QStringLiteral("tool_used")).toBool());
        const QJsonObject first = object.value(QStringLiteral("tool_results")).toArray().at(0).toObject();
        QCOMPARE(first.value(QStringLiteral("name")).toString(), QStringLiteral("get_weather"));
        QCOMPARE(first.value(QStringLiteral("arguments")).toObject(), json(R"({"location":"Rome"})"));
        QCOMPARE(
            first.value(QStringLiteral("result")).toObject().value(QStringLiteral("temperature")).toInt(),
            21);
        QVERIFY(first.value(QStringLiteral("success")).toBool());
        QCOMPARE(object.value(QStringLiteral("usage")).toObject(),
                 json(R"({"prompt_tokens":20,"completion_tokens":5,"total_tokens":25})"));
        QCOMPARE(object.value(QStringLiteral("provider")).toString(), QStringLiteral("openai"));
        QCOMPARE(object.value(QStringLiteral("model")).toString(), QStringLiteral("gpt-x"));
        result.messages = {user};
        QVERIFY(!chat::responseObject(result).value(QStringLiteral("tool_used")).toBool());
    }
};

QTEST_GUILESS_MAIN(TestOpenAiCompat)
#include "test_openaicompat.moc"
