#pragma once

// Response builders for the OpenAI chat-completions wire format (also Mistral's and every
// OpenAI-compatible server's), and a FakeHttpServer preset that speaks it. Scripts can chain any
// number of rounds, e.g. a tool call, then (after the client sends the tool result) a text answer:
//
//     FakeOpenAiServer server;
//     QVERIFY(server.listen());
//     server.enqueueToolCalls({{"call_1", "get_weather", R"({"location":"Paris"})"}});
//     server.enqueueText("It is 18 °C in Paris.");
//     ... settings OPENAI_BASE_URL = server.baseUrl() ...
//     QCOMPARE(server.chatRequests().at(1).json()["messages"].toArray().last()["role"], "tool");

#include "fakehttpserver.h"

#include "core/message.h"

#include <QStringList>

namespace agency::test {

namespace openai {

/// A chat.completion object. `finishReason` empty = "tool_calls" when there are calls, else "stop".
QJsonObject completion(const QString &content, const QList<core::ToolCall> &calls = {},
                       const QString &finishReason = {}, const core::Usage &usage = {12, 7, 19},
                       const QString &model = QStringLiteral("gpt-fake"));

FakeResponse textReply(const QString &content, const core::Usage &usage = {12, 7, 19});
FakeResponse toolCallReply(const QList<core::ToolCall> &calls, const core::Usage &usage = {12, 7, 19});

/// The `data:` payloads of a stream: a role chunk, one chunk per text piece, each tool call as a
/// header fragment (id, name, empty arguments) followed by its arguments in `argumentPieceSize`
/// slices, a finish chunk, the usage chunk (choices: []) when `usage` is set, and [DONE].
QList<QByteArray> streamPayloads(const QStringList &textPieces, const QList<core::ToolCall> &calls = {},
                                 std::optional<core::Usage> usage = core::Usage{12, 7, 19},
                                 int argumentPieceSize = 5, bool done = true);

/// streamPayloads() as an SSE response, `delayMs` between events.
FakeResponse streamReply(const QStringList &textPieces, const QList<core::ToolCall> &calls = {},
                         std::optional<core::Usage> usage = core::Usage{12, 7, 19}, int delayMs = 0);

/// An error answer in OpenAI's shape: {"error": {"message", "type", "code"}}.
FakeResponse errorReply(int status, const QString &message,
                        const QString &type = QStringLiteral("invalid_request_error"));

} // namespace openai

/// A FakeHttpServer preset for OpenAI-compatible clients: baseUrl() is "<origin>/v1".
class FakeOpenAiServer : public FakeHttpServer
{
    Q_OBJECT

public:
    using FakeHttpServer::FakeHttpServer;

    QString baseUrl() const { return origin() + QStringLiteral("/v1"); }

    void enqueueText(const QString &content, const core::Usage &usage = {12, 7, 19});
    void enqueueToolCalls(const QList<core::ToolCall> &calls, const core::Usage &usage = {12, 7, 19});
    void enqueueStream(const QStringList &textPieces, const QList<core::ToolCall> &calls = {},
                       int delayMs = 0);

    /// The POST /v1/chat/completions requests received so far.
    QList<RecordedRequest> chatRequests() const;
};

} // namespace agency::test
