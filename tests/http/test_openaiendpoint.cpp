// The OpenAI-compatible endpoint end to end over raw HTTP, checking every field the official SDKs
// read (id, object, created, model, choices[].index/message/delta/finish_reason, usage) and
// validating every object against OpenAI's published schemas: models, plain and streamed
// completions (with and without stream_options.include_usage), new conversations from a client's
// history, continuation by header and by metadata, server-side tools, and errors in OpenAI's shape.
#include "jsonschemavalidator.h"
#include "serverfixture.h"

#include <QFile>
#include <QJsonArray>
#include <QTest>

using namespace agency;
using agency::test::JsonSchemaValidator;
using agency::test::RawResponse;
using agency::test::weatherCall;
namespace openai = agency::test::openai;

namespace {

JsonSchemaValidator schema(const char *name)
{
    QFile file(QFINDTESTDATA(QStringLiteral("../llm/schemas/") + QString::fromLatin1(name)));
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot open schema %s", name);
    return JsonSchemaValidator(QJsonDocument::fromJson(file.readAll()).object());
}

QJsonObject userMessage(const QString &content, const QString &role = QStringLiteral("user"))
{
    return {{QStringLiteral("role"), role}, {QStringLiteral("content"), content}};
}

QByteArray completionBody(const QString &model, const QJsonArray &messages, const QJsonObject &extra = {})
{
    QJsonObject body = extra;
    body.insert(QStringLiteral("model"), model);
    body.insert(QStringLiteral("messages"), messages);
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

QJsonObject firstChoice(const QJsonObject &object)
{
    return object.value(QStringLiteral("choices")).toArray().at(0).toObject();
}

} // namespace

class TestOpenAiEndpoint : public QObject
{
    Q_OBJECT

private:
    test::ServerFixture m_fx;

    RawResponse complete(const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &headers = {})
    {
        return m_fx.request("POST", "/v1/chat/completions", body, headers);
    }

    void verifyError(const RawResponse &response, int status, const QString &type, const QString &code)
    {
        QCOMPARE(response.status, status);
        QVERIFY(response.header("content-type").startsWith("application/json"));
        QCOMPARE(schema("openai-error.schema.json").validate(response.json()), QStringList());
        const QJsonObject error = response.json().value(QStringLiteral("error")).toObject();
        QCOMPARE(error.value(QStringLiteral("type")).toString(), type);
        QCOMPARE(error.value(QStringLiteral("code")).toString(), code);
        QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_fx.startDatabase(), qPrintable(m_fx.error())); }
    void init() { QVERIFY2(m_fx.startServer(), qPrintable(m_fx.error())); }
    void cleanup() { m_fx.stopServer(); }

    void modelsAreTheFlows()
    {
        const RawResponse response = m_fx.request("GET", "/v1/models");
        QCOMPARE(response.status, 200);
        QCOMPARE(schema("openai-models.schema.json").validate(response.json()), QStringList());
        QStringList ids;
        for (const QJsonValue &model : response.json().value(QStringLiteral("data")).toArray()) {
            ids.append(model[QStringLiteral("id")].toString());
            QCOMPARE(model[QStringLiteral("object")].toString(), QStringLiteral("model"));
            QVERIFY(model[QStringLiteral("created")].toInteger() > 0);
        }
        QVERIFY(ids.contains(QStringLiteral("weather")));
        QVERIFY(ids.contains(QStringLiteral("consulting")));
    }

    void plainCompletion()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Grow "), QStringLiteral("slowly.")}, {},
                                               core::Usage{21, 4, 25}));
        const RawResponse response =
            complete(completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("Advice?"))}));
        QCOMPARE(response.status, 200);
        QCOMPARE(schema("openai-chat-response.schema.json").validate(response.json()), QStringList());
        const QJsonObject body = response.json();
        QVERIFY(body.value(QStringLiteral("id")).toString().startsWith(QLatin1String("chatcmpl-")));
        QCOMPARE(body.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion"));
        QVERIFY(body.value(QStringLiteral("created")).toInteger() > 1700000000);
        QCOMPARE(body.value(QStringLiteral("model")).toString(), QStringLiteral("consulting"));
        const QJsonObject choice = firstChoice(body);
        QCOMPARE(choice.value(QStringLiteral("index")).toInt(-1), 0);
        QCOMPARE(choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("role")).toString(),
                 QStringLiteral("assistant"));
        QCOMPARE(
            choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString(),
            QStringLiteral("Grow slowly."));
        QCOMPARE(choice.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
        QCOMPARE(body.value(QStringLiteral("usage")).toObject(),
                 (QJsonObject{{QStringLiteral("prompt_tokens"), 21},
                              {QStringLiteral("completion_tokens"), 4},
                              {QStringLiteral("total_tokens"), 25}}));
        // The exchange is stored, under the id the header names.
        const QUuid conversation =
            QUuid::fromString(QString::fromLatin1(response.header("x-conversation-id")));
        QVERIFY(!conversation.isNull());
        QCOMPARE(m_fx.stored(conversation).size(), 2);
    }

    void historyStartsAStoredConversation()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("D'accord.")}));
        const QJsonArray messages{userMessage(QStringLiteral("Answer in French."), QStringLiteral("system")),
                                  userMessage(QStringLiteral("q1")),
                                  userMessage(QStringLiteral("a1"), QStringLiteral("assistant")),
                                  userMessage(QStringLiteral("q2"))};
        const RawResponse response = complete(completionBody(QStringLiteral("consulting"), messages));
        QCOMPARE(response.status, 200);
        const QJsonArray sent = test::requestMessages(m_fx.llm().chatRequests().first());
        QCOMPARE(test::roles(sent), QStringLiteral("system,system,user,assistant,user"));
        QCOMPARE(sent.at(0)[QStringLiteral("content")].toString(),
                 m_fx.engine().flow(QStringLiteral("consulting")).systemPrompt);
        QCOMPARE(sent.at(1)[QStringLiteral("content")].toString(), QStringLiteral("Answer in French."));
        QCOMPARE(sent.at(4)[QStringLiteral("content")].toString(), QStringLiteral("q2"));
        const QUuid conversation =
            QUuid::fromString(QString::fromLatin1(response.header("x-conversation-id")));
        QCOMPARE(m_fx.stored(conversation).size(), 5);
    }

    void continuesByHeaderAndByMetadata()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("a1")}));
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("a2")}));
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("a3")}));
        const RawResponse first =
            complete(completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("q1"))}));
        QCOMPARE(first.status, 200);
        const QByteArray id = first.header("x-conversation-id");
        // A client that resends everything: only the last message is new, the stored
        // conversation is the history.
        const QJsonArray resent{userMessage(QStringLiteral("q1")),
                                userMessage(QStringLiteral("a1"), QStringLiteral("assistant")),
                                userMessage(QStringLiteral("q2"))};
        const RawResponse second =
            complete(completionBody(QStringLiteral("consulting"), resent), {{"X-Conversation-Id", id}});
        QCOMPARE(second.status, 200);
        QCOMPARE(second.header("x-conversation-id"), id);
        const RawResponse third = complete(
            completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("q3"))},
                           {{QStringLiteral("metadata"),
                             QJsonObject{{QStringLiteral("conversation_id"), QString::fromLatin1(id)}}}}));
        QCOMPARE(third.status, 200);
        QCOMPARE(third.header("x-conversation-id"), id);
        QCOMPARE(test::roles(test::requestMessages(m_fx.llm().chatRequests().at(2))),
                 QStringLiteral("system,user,assistant,user,assistant,user"));
        QCOMPARE(m_fx.stored(QUuid::fromString(QString::fromLatin1(id))).size(), 6);
    }

    void streamedCompletion_data()
    {
        QTest::addColumn<bool>("includeUsage");
        QTest::newRow("plain stream") << false;
        QTest::newRow("include_usage") << true;
    }

    void streamedCompletion()
    {
        QFETCH(bool, includeUsage);
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("One, "), QStringLiteral("two.")}, {},
                                               core::Usage{30, 6, 36}));
        QJsonObject extra{{QStringLiteral("stream"), true}};
        if (includeUsage)
            extra.insert(QStringLiteral("stream_options"),
                         QJsonObject{{QStringLiteral("include_usage"), true}});
        const RawResponse response = complete(
            completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("Count"))}, extra));
        QCOMPARE(response.status, 200);
        QVERIFY(response.header("content-type").startsWith("text/event-stream"));
        QVERIFY(!QUuid::fromString(QString::fromLatin1(response.header("x-conversation-id"))).isNull());
        const auto events = response.events();
        QVERIFY(events.size() >= 4);
        QCOMPARE(events.last().data, QByteArray("[DONE]"));
        const JsonSchemaValidator chunkSchema = schema("openai-chat-chunk.schema.json");
        const QString id = events.first().json().value(QStringLiteral("id")).toString();
        QString text;
        int finishes = 0;
        for (qsizetype i = 0; i + 1 < events.size(); ++i) {
            QVERIFY(events.at(i).name.isEmpty()); // OpenAI's streams are data-only
            const QJsonObject chunk = events.at(i).json();
            QCOMPARE(chunkSchema.validate(chunk), QStringList());
            QCOMPARE(chunk.value(QStringLiteral("id")).toString(), id);
            QCOMPARE(chunk.value(QStringLiteral("object")).toString(),
                     QStringLiteral("chat.completion.chunk"));
            QCOMPARE(chunk.value(QStringLiteral("model")).toString(), QStringLiteral("consulting"));
            QVERIFY(chunk.value(QStringLiteral("created")).toInteger() > 1700000000);
            QCOMPARE(chunk.contains(QStringLiteral("usage")), includeUsage);
            const QJsonArray choices = chunk.value(QStringLiteral("choices")).toArray();
            if (choices.isEmpty()) { // the usage chunk: last before [DONE]
                QVERIFY(includeUsage);
                QCOMPARE(i, events.size() - 2);
                QCOMPARE(chunk.value(QStringLiteral("usage"))
                             .toObject()
                             .value(QStringLiteral("total_tokens"))
                             .toInt(),
                         36);
                continue;
            }
            if (includeUsage)
                QVERIFY(chunk.value(QStringLiteral("usage")).isNull());
            const QJsonObject choice = choices.at(0).toObject();
            QCOMPARE(choice.value(QStringLiteral("index")).toInt(-1), 0);
            const QJsonObject delta = choice.value(QStringLiteral("delta")).toObject();
            if (i == 0)
                QCOMPARE(delta.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
            text += delta.value(QStringLiteral("content")).toString();
            if (!choice.value(QStringLiteral("finish_reason")).isNull()) {
                ++finishes;
                QCOMPARE(choice.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
            }
        }
        QCOMPARE(text, QStringLiteral("One, two."));
        QCOMPARE(finishes, 1);
    }

    void toolsRunOnTheServer()
    {
        m_fx.llm().enqueue(
            openai::streamReply({}, {weatherCall(QStringLiteral("call_1"), QStringLiteral("Paris"))}));
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Paris: 14.2 \u00b0C.")}));
        const RawResponse response =
            complete(completionBody(QStringLiteral("weather"), {userMessage(QStringLiteral("Paris?"))}));
        QCOMPARE(response.status, 200);
        const QJsonObject choice = firstChoice(response.json());
        QCOMPARE(
            choice.value(QStringLiteral("message")).toObject().value(QStringLiteral("content")).toString(),
            QStringLiteral("Paris: 14.2 \u00b0C."));
        QCOMPARE(choice.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
        QVERIFY(!choice.value(QStringLiteral("message")).toObject().contains(QStringLiteral("tool_calls")));
        QCOMPARE(response.json()[QStringLiteral("usage")][QStringLiteral("total_tokens")].toInt(), 38);
        const QUuid conversation =
            QUuid::fromString(QString::fromLatin1(response.header("x-conversation-id")));
        QCOMPARE(test::roles(m_fx.stored(conversation)), QStringLiteral("user,assistant(1),tool,assistant"));
    }

    void conversationIdsAreReadExactly()
    {
        m_fx.llm().enqueue(openai::streamReply({QStringLiteral("Hello.")}, {}, core::Usage{3, 1, 4}));
        const QByteArray stored =
            complete(completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("hi"))}))
                .header("x-conversation-id");
        QVERIFY(!stored.isEmpty());
        const qsizetype calls = m_fx.llm().chatRequests().size();
        const QByteArray next =
            completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("more"))});
        // QUuid::fromString alone reads "<id>xyz" as <id>: it would have continued the conversation.
        const QByteArrayList mangledIds{stored + "xyz", stored + "0", "{" + stored + "}"};
        for (const QByteArray &mangled : mangledIds) {
            verifyError(complete(next, {{"X-Conversation-Id", mangled}}), 400,
                        QStringLiteral("invalid_request_error"), QStringLiteral("invalid_argument"));
            verifyError(complete(completionBody(
                            QStringLiteral("consulting"), {userMessage(QStringLiteral("more"))},
                            {{QStringLiteral("metadata"), QJsonObject{{QStringLiteral("conversation_id"),
                                                                       QString::fromLatin1(mangled)}}}})),
                        400, QStringLiteral("invalid_request_error"), QStringLiteral("invalid_argument"));
        }
        QCOMPARE(m_fx.llm().chatRequests().size(), calls);
        QCOMPARE(m_fx.stored(QUuid::fromString(QString::fromLatin1(stored))).size(), 2);
    }

    void errorsInOpenAisShape()
    {
        const QString user = QStringLiteral(R"("messages":[{"role":"user","content":"hi"}])");
        verifyError(complete("{\"model\":"), 400, QStringLiteral("invalid_request_error"),
                    QStringLiteral("bad_request"));
        verifyError(
            complete(QStringLiteral(
                         R"({"model":"consulting",%1,"tools":[{"type":"function","function":{"name":"f"}}]})")
                         .arg(user)
                         .toUtf8()),
            400, QStringLiteral("invalid_request_error"), QStringLiteral("bad_request"));
        verifyError(complete(QStringLiteral(R"({"model":"consulting",%1,"n":2})").arg(user).toUtf8()), 400,
                    QStringLiteral("invalid_request_error"), QStringLiteral("bad_request"));
        verifyError(complete(QStringLiteral(R"({"model":"no-such-flow",%1})").arg(user).toUtf8()), 404,
                    QStringLiteral("not_found_error"), QStringLiteral("model_not_found"));
        verifyError(complete(QStringLiteral(R"({"model":"consulting",%1})").arg(user).toUtf8(),
                             {{"X-Conversation-Id", "not-a-uuid"}}),
                    400, QStringLiteral("invalid_request_error"), QStringLiteral("invalid_argument"));
        // Members OpenAI does not document are refused, named as the param.
        const RawResponse unknown =
            complete(QStringLiteral(R"({"model":"consulting",%1,"max_token":5})").arg(user).toUtf8());
        verifyError(unknown, 400, QStringLiteral("invalid_request_error"), QStringLiteral("bad_request"));
        QCOMPARE(unknown.json()[QStringLiteral("error")][QStringLiteral("param")].toString(),
                 QStringLiteral("max_token"));
        QVERIFY2(unknown.json()[QStringLiteral("error")][QStringLiteral("message")].toString().contains(
                     QStringLiteral(R"(unknown field "max_token" (did you mean "max_tokens"?))")),
                 unknown.body.constData());
        verifyError(m_fx.request("GET", "/v1/no-such-thing"), 404, QStringLiteral("not_found_error"),
                    QStringLiteral("not_found"));
        verifyError(m_fx.request("GET", "/v1/models", {}, {{"Authorization", "Bearer not-a-key"}}), 401,
                    QStringLiteral("authentication_error"), QStringLiteral("unauthenticated"));
        QCOMPARE(m_fx.llm().chatRequests().size(), 0);
        m_fx.llm().enqueue(
            openai::errorReply(500, QStringLiteral("upstream broke"), QStringLiteral("server_error")));
        verifyError(complete(QStringLiteral(R"({"model":"consulting",%1})").arg(user).toUtf8()), 502,
                    QStringLiteral("api_error"), QStringLiteral("provider_unavailable"));
    }

    void errorAfterTheStreamBegan()
    {
        m_fx.llm().enqueue(
            test::interruptedStream(QStringLiteral("Partial "), test::FakeResponse::Ending::Close));
        const RawResponse response =
            complete(completionBody(QStringLiteral("consulting"), {userMessage(QStringLiteral("Hi"))},
                                    {{QStringLiteral("stream"), true}}));
        QCOMPARE(response.status, 200);
        QVERIFY(response.complete);
        const auto events = response.events();
        QVERIFY(events.size() >= 2);
        // What the SDKs raise from: a data event holding OpenAI's error object, and no [DONE].
        QCOMPARE(schema("openai-error.schema.json").validate(events.last().json()), QStringList());
        QCOMPARE(events.last().json()[QStringLiteral("error")][QStringLiteral("code")].toString(),
                 QStringLiteral("provider_unavailable"));
        for (const auto &event : events)
            QVERIFY(event.data != "[DONE]");
    }
};

QTEST_GUILESS_MAIN(TestOpenAiEndpoint)
#include "test_openaiendpoint.moc"
