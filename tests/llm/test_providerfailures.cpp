// Failure handling shared by every HTTP adapter (HttpCall + RetryPolicy), exercised through the
// OpenAI adapter over real sockets: typed errors, retries and their limits, timeouts, broken
// streams, resets, cancellation, redirects.
#include "core/clock.h"
#include "countingnam.h"
#include "fakeopenai.h"
#include "llm/openaiprovider.h"
#include "llmtesthelpers.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>

using namespace agency;
using namespace agency::test;
using core::ErrorCode;

class TestProviderFailures : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<llm::OpenAiProvider>
    makeProvider(const FakeOpenAiServer &server, std::function<void(llm::HttpProviderConfig &)> tweak = {})
    {
        llm::HttpProviderConfig config = fastConfig(server.baseUrl());
        if (tweak)
            tweak(config);
        return std::make_unique<llm::OpenAiProvider>(llm::OpenAiDialect::openAi(QUrl(server.baseUrl())),
                                                     config, &m_nam, m_clock);
    }
    static llm::CompletionRequest hello() { return userRequest(QStringLiteral("hello")); }

    CountingNetworkAccessManager m_nam;
    core::SystemClock m_clock;

private Q_SLOTS:
    void unauthorizedIsNotRetried()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(openai::errorReply(401, QStringLiteral("Incorrect API key provided: sk-te***"),
                                          QStringLiteral("invalid_api_key")));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderUnauthorized);
        QVERIFY(result.error().message.contains(QStringLiteral("Incorrect API key")));
        QCOMPARE(server.requestCount(), 1);
    }

    void badRequestCarriesTheProvidersMessage()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(
            openai::errorReply(400, QStringLiteral("Invalid value for 'tool_choice': unknown function")));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderBadRequest);
        QVERIFY2(result.error().message.contains(
                     QStringLiteral("Invalid value for 'tool_choice': unknown function")),
                 qPrintable(result.error().message));
        QCOMPARE(result.error().details.value(QStringLiteral("provider_message")).toString(),
                 QStringLiteral("Invalid value for 'tool_choice': unknown function"));
        QCOMPARE(server.requestCount(), 1);
    }

    void rateLimitedHonoursRetryAfterThenSucceeds()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(
            openai::errorReply(429, QStringLiteral("Rate limit reached"), QStringLiteral("requests"))
                .header("Retry-After", "1"));
        server.enqueueText(QStringLiteral("finally"));
        QList<qint64> arrivals;
        QElapsedTimer clock;
        clock.start();
        connect(&server, &FakeHttpServer::requestReceived, this, [&] { arrivals.append(clock.elapsed()); });
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("finally"));
        QCOMPARE(arrivals.size(), 2);
        QVERIFY2(arrivals.at(1) - arrivals.at(0) >= 950,
                 qPrintable(QString::number(arrivals.at(1) - arrivals.at(0))));
    }

    void rateLimitBeyondTheBudgetFailsFastWithRetryAfter()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(openai::errorReply(429, QStringLiteral("slow down")).header("Retry-After", "3600"));
        auto provider = makeProvider(server);
        QElapsedTimer timer;
        timer.start();
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderRateLimited);
        QCOMPARE(result.error().details.value(QStringLiteral("retry_after_ms")).toInteger(), 3'600'000);
        QVERIFY(timer.elapsed() < 2000);
        QCOMPARE(server.requestCount(), 1);
    }

    void repeatedServerErrorsGiveUpAfterTheCap()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        for (int i = 0; i < 5; ++i)
            server.enqueue(openai::errorReply(500, QStringLiteral("The server had an error"),
                                              QStringLiteral("server_error")));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
        QCOMPARE(server.requestCount(), 3);
        QCOMPARE(result.error().details.value(QStringLiteral("attempts")).toInt(), 3);
        QCOMPARE(server.pendingResponses(), 2);
    }

    void serverErrorThenSuccess()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(openai::errorReply(503, QStringLiteral("overloaded")));
        server.enqueueText(QStringLiteral("recovered"));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("recovered"));
        QCOMPARE(server.requestCount(), 2);
    }

    void malformedJsonIsAnErrorNotAnEmptySuccess()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::raw(200, "{\"choices\": [ {\"message\": "));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderMalformed);
        QCOMPARE(server.requestCount(), 1);

        server.enqueue(FakeResponse::json(200, QJsonObject{{QStringLiteral("choices"), QJsonArray()}}));
        const auto empty = awaitFuture(provider->complete(hello()));
        QVERIFY(!empty);
        QCOMPARE(empty.error().code, ErrorCode::ProviderMalformed);
    }

    void streamCutOffAfterDeltasIsAnErrorWithoutRetry()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        FakeResponse cut =
            openai::streamReply({QStringLiteral("Partial "), QStringLiteral("answer")}, {}, std::nullopt, 10);
        cut.chunks = cut.chunks.mid(0, 3); // role chunk + two text chunks, no finish, no [DONE]
        cut.end(FakeResponse::Ending::Close);
        server.enqueue(cut);
        server.enqueueStream({QStringLiteral("must not be used")});
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(hello(), {log.callback(), {}}));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
        QCOMPARE(log.text(), QStringLiteral("Partial answer"));
        QCOMPARE(server.requestCount(), 1); // the caller already saw text: no retry
    }

    void streamCutOffBeforeAnyDeltaIsRetried()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        FakeResponse cut = openai::streamReply({QStringLiteral("x")});
        cut.chunks = cut.chunks.mid(0, 1); // only the role chunk
        cut.end(FakeResponse::Ending::Close);
        server.enqueue(cut);
        server.enqueueStream({QStringLiteral("complete")});
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(hello(), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("complete"));
        QCOMPARE(log.text(), QStringLiteral("complete"));
        QCOMPARE(server.requestCount(), 2);
    }

    void connectionResetIsRetried()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::resetWithoutAnswer());
        server.enqueue(FakeResponse::closeWithoutAnswer());
        server.enqueueText(QStringLiteral("third time lucky"));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("third time lucky"));
        QCOMPARE(server.requestCount(), 3);
    }

    void connectionResetMidStream()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        FakeResponse reset = openai::streamReply(
            {QStringLiteral("one "), QStringLiteral("two "), QStringLiteral("three")}, {}, std::nullopt, 30);
        reset.chunks = reset.chunks.mid(0, 3);
        reset.chunks.append(FakeChunk{QByteArray(), 150}); // let the client read, then reset
        reset.end(FakeResponse::Ending::Reset);
        server.enqueue(reset);
        auto provider = makeProvider(server);
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(hello(), {log.callback(), {}}));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderUnavailable);
        QVERIFY(log.text().startsWith(QStringLiteral("one ")));
        QCOMPARE(server.requestCount(), 1);
    }

    void serverThatNeverAnswersTimesOut()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::neverAnswer());
        server.enqueue(FakeResponse::neverAnswer());
        auto provider = makeProvider(server, [](llm::HttpProviderConfig &c) {
            c.timeouts.firstByteMs = 300;
            c.retry.maxAttempts = 2;
        });
        QElapsedTimer timer;
        timer.start();
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderTimeout);
        QCOMPARE(server.requestCount(), 2); // timeouts are retried, up to the cap
        QVERIFY(timer.elapsed() >= 600);
        QVERIFY(timer.elapsed() < 5000);
        QTRY_COMPARE(server.openConnections(), 0); // the client hung up each time
    }

    void answerStreamingPastTheConnectLimitIsNotCut()
    {
        // The limits share one timer armed for the earliest deadline: the connect limit passing
        // while a healthy answer streams must only re-arm it for the total limit.
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueueStream({QStringLiteral("one "), QStringLiteral("two "), QStringLiteral("three "),
                              QStringLiteral("four")},
                             {}, 150);
        auto provider = makeProvider(server, [](llm::HttpProviderConfig &c) {
            c.timeouts = llm::HttpTimeouts{200, 200, 10'000};
            c.retry.maxAttempts = 1;
        });
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(hello(), {log.callback(), {}}));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("one two three four"));
        QCOMPARE(log.text(), QStringLiteral("one two three four"));
        QCOMPARE(server.requestCount(), 1);
    }

    void totalTimeoutStopsAStalledStream()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        FakeResponse stalled = openai::streamReply({QStringLiteral("start")});
        stalled.chunks = stalled.chunks.mid(0, 2);
        stalled.end(FakeResponse::Ending::Hang);
        server.enqueue(stalled);
        auto provider = makeProvider(server, [](llm::HttpProviderConfig &c) { c.timeouts.totalMs = 400; });
        DeltaLog log;
        const auto result = awaitFuture(provider->complete(hello(), {log.callback(), {}}));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderTimeout);
        QCOMPARE(log.text(), QStringLiteral("start"));
        QCOMPARE(server.requestCount(), 1);
    }

    void cancelMidStream()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        QStringList pieces;
        for (int i = 0; i < 30; ++i)
            pieces.append(QStringLiteral("w%1 ").arg(i));
        server.enqueueStream(pieces, {}, 50);
        auto provider = makeProvider(server);
        auto cancel = core::CancelToken::create();
        DeltaLog log;
        llm::CallOptions options;
        options.cancel = cancel;
        options.onDelta = [&](const llm::Delta &d) {
            log.deltas.append(d);
            if (log.textDeltas() == 2)
                cancel->cancel(); // from inside the callback, as a UI's Stop button handler might
        };
        const auto future = provider->complete(hello(), options);
        const auto result = awaitFuture(future);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
        QCOMPARE(log.textDeltas(), 2);
        QTRY_COMPARE(server.openConnections(), 0); // the request was really aborted,
        QCOMPARE(server.completedResponses(), 0);  // before the server wrote its end
        // Whatever the client had received before it closed is delivered by now: still nothing.
        drainEvents();
        QCOMPARE(log.textDeltas(), 2);
    }

    void cancelDuringBackoff()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(openai::errorReply(429, QStringLiteral("wait")).header("Retry-After", "5"));
        auto provider = makeProvider(server);
        auto cancel = core::CancelToken::create();
        const auto future = provider->complete(hello(), {{}, cancel});
        QTRY_COMPARE(server.requestCount(), 1);
        QTest::qWait(50);
        cancel->cancel();
        const auto result = awaitFuture(future, 2000);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
        QCOMPARE(server.requestCount(), 1);
    }

    void alreadyCancelledSendsNothing()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        auto provider = makeProvider(server);
        auto cancel = core::CancelToken::create();
        cancel->cancel();
        const qsizetype before = m_nam.requested().size();
        const auto result = awaitFuture(provider->complete(hello(), {{}, cancel}));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
        // A request is handed to the network manager before a byte is sent: none was, nor is
        // one still on its way once every queued call has run.
        drainEvents();
        QCOMPARE(m_nam.requested().size(), before);
        QCOMPARE(server.requestCount(), 0);
    }

    void destroyingTheProviderCancelsItsCalls()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(FakeResponse::neverAnswer());
        auto provider = makeProvider(server);
        const auto future = provider->complete(hello());
        QTRY_COMPARE(server.requestCount(), 1);
        provider.reset();
        const auto result = awaitFuture(future, 2000);
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::Cancelled);
    }

    void redirectToAnotherHostIsRefused()
    {
        FakeOpenAiServer server;
        FakeOpenAiServer elsewhere;
        QVERIFY(server.listen());
        QVERIFY(elsewhere.listen());
        server.enqueue(FakeResponse::raw(307, {}).header(
            "Location", (elsewhere.baseUrl() + QStringLiteral("/chat/completions")).toUtf8()));
        elsewhere.enqueueText(QStringLiteral("stolen key"));
        auto provider = makeProvider(server);
        const qsizetype before = m_nam.requested().size();
        const auto result = awaitFuture(provider->complete(hello()));
        QVERIFY(!result);
        QCOMPARE(result.error().code, ErrorCode::ProviderBadRequest);
        QVERIFY2(result.error().message.contains(QStringLiteral("redirect")),
                 qPrintable(result.error().message));
        // The key never left for the other host. A followed redirect, whether Qt's or a request
        // of our own, happens before the call can finish, so the count is final here.
        QCOMPARE(elsewhere.requestCount(), 0);
        QCOMPARE(m_nam.requested().size(), before + 1);
        QCOMPARE(m_nam.requested().last().port(), server.port());
    }

    void redirectWithinTheOriginIsFollowed()
    {
        FakeOpenAiServer server;
        QVERIFY(server.listen());
        server.enqueue(QStringLiteral("/v1/chat/completions"),
                       FakeResponse::raw(307, {}).header(
                           "Location", (server.origin() + QStringLiteral("/v2/chat")).toUtf8()));
        server.enqueue(QStringLiteral("/v2/chat"), openai::textReply(QStringLiteral("moved")));
        auto provider = makeProvider(server);
        const auto result = awaitFuture(provider->complete(hello()));
        LLM_VERIFY_OK(result);
        QCOMPARE(result->content, QStringLiteral("moved"));
        QCOMPARE(server.requestCount(), 2);
    }
};

QTEST_GUILESS_MAIN(TestProviderFailures)
#include "test_providerfailures.moc"
