#pragma once

// Shared bits of the provider tests: fast timeouts/retries, a weather conversation, delta capture.

#include "core/json.h"
#include "futurewait.h"
#include "llm/completion.h"
#include "llm/openaiwire.h"
#include "llm/providerconfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

namespace agency::test {

/// Short timeouts and quick retries so failure tests run in milliseconds.
inline llm::HttpProviderConfig fastConfig(const QString &baseUrl,
                                          const QString &apiKey = QStringLiteral("sk-test"),
                                          const QString &model = QStringLiteral("model-test"))
{
    llm::HttpProviderConfig config;
    config.baseUrl = baseUrl;
    config.apiKey = apiKey;
    config.defaultModel = model;
    config.timeouts = llm::HttpTimeouts{2'000, 2'000, 10'000};
    config.retry.maxAttempts = 3;
    config.retry.maxTotalMs = 10'000;
    config.retry.baseDelayMs = 10;
    config.retry.maxDelayMs = 50;
    return config;
}

/// The chat-completions body the OpenAI adapter sends for `request`, parsed. Fails the test when
/// the text is not a JSON object or not exactly what QJsonDocument prints for it (the adapter writes
/// JSON text directly and promises the same bytes as before).
inline QJsonObject chatRequestJson(const llm::CompletionRequest &request, const llm::OpenAiDialect &dialect,
                                   const QString &model, bool stream)
{
    const QByteArray body = llm::buildChatRequest(request, dialect, model, stream);
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        QTest::qFail(
            qPrintable(QStringLiteral("the request body is not a JSON object: ") + error.errorString()),
            __FILE__, __LINE__);
        return {};
    }
    if (core::toCompactJson(doc.object()) != body) {
        QTest::qFail(qPrintable(QStringLiteral("the request body differs from QJsonDocument's text: ") +
                                QString::fromUtf8(body)),
                     __FILE__, __LINE__);
        return {};
    }
    return doc.object();
}

inline core::ToolDefinition weatherTool()
{
    return core::ToolDefinition{
        QStringLiteral("get_weather"), QStringLiteral("Current weather for a place"),
        QJsonObject{
            {QStringLiteral("type"), QStringLiteral("object")},
            {QStringLiteral("properties"),
             QJsonObject{{QStringLiteral("location"),
                          QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                      {QStringLiteral("description"), QStringLiteral("City name")}}},
                         {QStringLiteral("units"),
                          QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                      {QStringLiteral("enum"),
                                       QJsonArray{QStringLiteral("metric"), QStringLiteral("imperial"),
                                                  QStringLiteral("standard")}}}}}},
            {QStringLiteral("required"), QJsonArray{QStringLiteral("location")}},
            {QStringLiteral("additionalProperties"), false}}};
}

inline core::ChatMessage message(core::Role role, const QString &content)
{
    core::ChatMessage m;
    m.role = role;
    m.content = content;
    return m;
}

/// A request with one user message.
inline llm::CompletionRequest userRequest(const QString &text)
{
    llm::CompletionRequest r;
    r.messages.append(message(core::Role::User, text));
    return r;
}

/// system, user, assistant tool call (id "call_abc123XYZ-long"), tool result, as a second round.
inline llm::CompletionRequest weatherRound2()
{
    llm::CompletionRequest r;
    r.messages.append(message(core::Role::System, QStringLiteral("You are a weather assistant.")));
    r.messages.append(message(core::Role::User, QStringLiteral("What's the weather in Paris?")));
    core::ChatMessage call = message(core::Role::Assistant, {});
    call.toolCalls = {core::ToolCall{QStringLiteral("call_abc123XYZ-long"), QStringLiteral("get_weather"),
                                     QStringLiteral("{\"location\":\"Paris\"}")}};
    r.messages.append(call);
    core::ChatMessage result =
        message(core::Role::Tool, QStringLiteral("{\"temperature\":18,\"condition\":\"Sunny\"}"));
    result.toolCallId = QStringLiteral("call_abc123XYZ-long");
    result.name = QStringLiteral("get_weather");
    r.messages.append(result);
    r.tools = {weatherTool()};
    return r;
}

/// Collects streamed deltas.
struct DeltaLog
{
    QList<llm::Delta> deltas;
    std::function<void(const llm::Delta &)> callback()
    {
        return [this](const llm::Delta &d) { deltas.append(d); };
    }
    QString text() const
    {
        QString t;
        for (const llm::Delta &d : deltas)
            t += d.text;
        return t;
    }
    QString arguments(int index) const
    {
        QString a;
        for (const llm::Delta &d : deltas) {
            if (d.toolCallIndex == index)
                a += d.argumentsFragment;
        }
        return a;
    }
    qsizetype textDeltas() const
    {
        return std::count_if(deltas.begin(), deltas.end(),
                             [](const llm::Delta &d) { return !d.text.isEmpty(); });
    }
};

} // namespace agency::test

/// QVERIFY that a Result is ok, printing its error otherwise.
#define LLM_VERIFY_OK(expr)                                                                                  \
    do {                                                                                                     \
        const auto &llmResult_ = (expr);                                                                     \
        QVERIFY2(llmResult_.ok(), llmResult_.ok() ? "" : qPrintable(llmResult_.error().toString()));         \
    } while (false)
