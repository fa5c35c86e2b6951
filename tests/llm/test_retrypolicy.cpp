// The one retry policy: what is retried, how long it waits, when it gives up; error classification.
#include "llm/httperror.h"
#include "llm/retrypolicy.h"

#include <QTest>

using namespace agency;
using agency::core::ErrorCode;
using agency::llm::RetryPolicy;

class TestRetryPolicy : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void retryableCodes()
    {
        QVERIFY(RetryPolicy::isRetryable(ErrorCode::ProviderRateLimited));
        QVERIFY(RetryPolicy::isRetryable(ErrorCode::ProviderUnavailable));
        QVERIFY(RetryPolicy::isRetryable(ErrorCode::ProviderTimeout));
        QVERIFY(!RetryPolicy::isRetryable(ErrorCode::ProviderBadRequest));
        QVERIFY(!RetryPolicy::isRetryable(ErrorCode::ProviderUnauthorized));
        QVERIFY(!RetryPolicy::isRetryable(ErrorCode::ProviderMalformed));
        QVERIFY(!RetryPolicy::isRetryable(ErrorCode::Cancelled));
    }

    void exponentialBackoffWithJitter()
    {
        RetryPolicy p;
        p.baseDelayMs = 100;
        p.maxDelayMs = 1000;
        p.jitter = 0.5;
        // random 0 → the full delay; random ~1 → half of it.
        QCOMPARE(p.backoffMs(1, 0.0), 100);
        QCOMPARE(p.backoffMs(2, 0.0), 200);
        QCOMPARE(p.backoffMs(3, 0.0), 400);
        QCOMPARE(p.backoffMs(5, 0.0), 1000); // capped
        QCOMPARE(p.backoffMs(2, 1.0), 100);
        const qint64 mid = p.backoffMs(3, 0.5);
        QVERIFY(mid > 200 && mid < 400);
    }

    void decisions()
    {
        RetryPolicy p;
        p.maxAttempts = 3;
        p.maxTotalMs = 10'000;
        p.baseDelayMs = 100;
        const core::Error unavailable =
            core::makeError(ErrorCode::ProviderUnavailable, QStringLiteral("503"));
        QVERIFY(p.nextDelayMs(1, unavailable, 0, 0.0).has_value());
        QVERIFY(p.nextDelayMs(2, unavailable, 0, 0.0).has_value());
        QVERIFY(!p.nextDelayMs(3, unavailable, 0, 0.0).has_value());     // attempts cap
        QVERIFY(!p.nextDelayMs(1, unavailable, 9'950, 0.0).has_value()); // total-time cap
        const core::Error bad = core::makeError(ErrorCode::ProviderBadRequest, QStringLiteral("400"));
        QVERIFY(!p.nextDelayMs(1, bad, 0, 0.0).has_value());
    }

    void retryAfterIsALowerBoundAndRespectsTheBudget()
    {
        RetryPolicy p;
        p.maxTotalMs = 5'000;
        p.baseDelayMs = 100;
        core::Error limited = core::makeError(ErrorCode::ProviderRateLimited, QStringLiteral("429"),
                                              {{QStringLiteral("retry_after_ms"), 2000.0}});
        QCOMPARE(p.nextDelayMs(1, limited, 0, 0.0).value(), 2000);
        // Waiting 2 s would pass the 5 s budget: give up now with the error (and its retry_after_ms).
        QVERIFY(!p.nextDelayMs(1, limited, 3'500, 0.0).has_value());
        limited.details.insert(QStringLiteral("retry_after_ms"), 10.0);
        QCOMPARE(p.nextDelayMs(1, limited, 0, 0.0).value(), 100); // backoff wins when longer
    }

    void parseRetryAfter()
    {
        const QDateTime now = QDateTime::fromString(QStringLiteral("2015-10-21T07:28:00Z"), Qt::ISODate);
        QCOMPARE(RetryPolicy::parseRetryAfter("120", now).value(), 120'000);
        QCOMPARE(RetryPolicy::parseRetryAfter(" 1.5 ", now).value(), 1'500);
        QCOMPARE(RetryPolicy::parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now).value(), 30'000);
        QCOMPARE(RetryPolicy::parseRetryAfter("Wednesday, 21-Oct-15 07:29:00 GMT", now).value(), 60'000);
        QCOMPARE(RetryPolicy::parseRetryAfter("Wed Oct 21 07:28:40 2015", now).value(), 40'000);
        QCOMPARE(RetryPolicy::parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now).value(), 0); // past
        QVERIFY(!RetryPolicy::parseRetryAfter("soon", now).has_value());
        QVERIFY(!RetryPolicy::parseRetryAfter("", now).has_value());
        QVERIFY(!RetryPolicy::parseRetryAfter("-3", now).has_value());
    }

    void classification()
    {
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QByteArray openAiBody =
            R"({"error":{"message":"Invalid 'messages': empty","type":"invalid_request_error"}})";
        core::Error e = llm::classifyHttpError(QStringLiteral("OpenAI"), 400, {}, openAiBody, now);
        QCOMPARE(e.code, ErrorCode::ProviderBadRequest);
        QVERIFY2(e.message.contains(QStringLiteral("Invalid 'messages': empty")), qPrintable(e.message));
        QCOMPARE(e.details.value(QStringLiteral("http_status")).toInt(), 400);

        QCOMPARE(llm::classifyHttpError(QStringLiteral("X"), 401, {}, {}, now).code,
                 ErrorCode::ProviderUnauthorized);
        QCOMPARE(llm::classifyHttpError(QStringLiteral("X"), 403, {}, {}, now).code,
                 ErrorCode::ProviderUnauthorized);
        QCOMPARE(llm::classifyHttpError(QStringLiteral("X"), 500, {}, {}, now).code,
                 ErrorCode::ProviderUnavailable);
        QCOMPARE(llm::classifyHttpError(QStringLiteral("X"), 503, {}, {}, now).code,
                 ErrorCode::ProviderUnavailable);
        QCOMPARE(llm::classifyHttpError(QStringLiteral("X"), 404, {}, {}, now).code,
                 ErrorCode::ProviderBadRequest);

        const core::Error limited =
            llm::classifyHttpError(QStringLiteral("X"), 429, {{"Retry-After", "7"}}, {}, now);
        QCOMPARE(limited.code, ErrorCode::ProviderRateLimited);
        QCOMPARE(limited.details.value(QStringLiteral("retry_after_ms")).toInteger(), 7000);

        // Mistral's FastAPI validation details and Google's array-wrapped stream errors.
        const QByteArray mistral = R"({"detail":[{"loc":["body","messages",0],"msg":"field required"}]})";
        QVERIFY(
            llm::providerErrorMessage(mistral).contains(QStringLiteral("body.messages.0: field required")));
        const QByteArray google =
            R"([{"error":{"code":400,"message":"Bad role","status":"INVALID_ARGUMENT"}}])";
        QCOMPARE(llm::providerErrorMessage(google), QStringLiteral("Bad role"));
        QCOMPARE(llm::providerErrorMessage("plain text"), QStringLiteral("plain text"));
    }
};

QTEST_GUILESS_MAIN(TestRetryPolicy)
#include "test_retrypolicy.moc"
