// The one ErrorCode table (backend/core/error.cpp): every code has its stable name and exactly the
// HTTP status docs/design.md#http gives it. The table below is the whole enum; a code added to the enum
// without a row here fails codesAreAllListed().

#include "core/error.h"

#include <QSet>
#include <QTest>

using agency::core::ErrorCode;

Q_DECLARE_METATYPE(agency::core::ErrorCode)

namespace {

struct Row
{
    ErrorCode code;
    const char *name;
    int status;
};

// clang-format off
const Row kTable[] = {
    {ErrorCode::InvalidArgument,      "invalid_argument",            422},
    {ErrorCode::BadRequest,           "bad_request",                 400},
    {ErrorCode::NotFound,             "not_found",                   404},
    {ErrorCode::Conflict,             "conflict",                    409},
    {ErrorCode::Unauthenticated,      "unauthenticated",             401},
    {ErrorCode::Forbidden,            "forbidden",                   403},
    {ErrorCode::PayloadTooLarge,      "payload_too_large",           413},
    {ErrorCode::RateLimited,          "rate_limited",                429},
    {ErrorCode::ProviderUnauthorized, "provider_unauthorized",       502},
    {ErrorCode::ProviderBadRequest,   "provider_bad_request",        502},
    {ErrorCode::ProviderRateLimited,  "provider_rate_limited",       429},
    {ErrorCode::ProviderUnavailable,  "provider_unavailable",        502},
    {ErrorCode::ProviderTimeout,      "provider_timeout",            504},
    {ErrorCode::ProviderMalformed,    "provider_malformed_response", 502},
    {ErrorCode::NotConfigured,        "not_configured",              503},
    {ErrorCode::Cancelled,            "cancelled",                   499},
    {ErrorCode::DatabaseUnavailable,  "database_unavailable",        503},
    {ErrorCode::DatabaseError,        "database_error",              500},
    {ErrorCode::SchemaMismatch,       "schema_mismatch",             503},
    {ErrorCode::Internal,             "internal",                    500},
};
// clang-format on

/// The enum's values, found without a list of its own: the switch in errorCodeName() names every
/// code (-Wswitch makes that a build error otherwise) and falls back to "internal" past the end.
QList<ErrorCode> enumeratedCodes()
{
    QList<ErrorCode> codes;
    for (int value = 0; value < 1000; ++value) {
        const auto code = static_cast<ErrorCode>(value);
        if (code != ErrorCode::Internal && agency::core::errorCodeName(code) == QLatin1String("internal"))
            break;
        codes.append(code);
    }
    return codes;
}

} // namespace

class TestError : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyCodeHasItsNameAndStatus_data()
    {
        QTest::addColumn<ErrorCode>("code");
        QTest::addColumn<QString>("name");
        QTest::addColumn<int>("status");
        for (const Row &row : kTable)
            QTest::newRow(row.name) << row.code << QString::fromLatin1(row.name) << row.status;
    }

    void everyCodeHasItsNameAndStatus()
    {
        QFETCH(ErrorCode, code);
        QFETCH(QString, name);
        QFETCH(int, status);
        QCOMPARE(agency::core::errorCodeName(code), name);
        QCOMPARE(agency::core::httpStatusFor(code), status);
        const agency::core::Error error = agency::core::makeError(code, QStringLiteral("what happened"));
        QCOMPARE(error.codeName(), name);
        QCOMPARE(error.toString(), name + QStringLiteral(": what happened"));
    }

    void codesAreAllListed()
    {
        const QList<ErrorCode> codes = enumeratedCodes();
        QCOMPARE(codes.size(), qsizetype(std::size(kTable)));
        QSet<QString> names;
        for (const ErrorCode code : codes) {
            const QString name = agency::core::errorCodeName(code);
            bool listed = false;
            for (const Row &row : kTable)
                listed = listed || row.code == code;
            QVERIFY2(listed, qPrintable(QStringLiteral("no row for %1").arg(name)));
            names.insert(name);
            // A status a client can act on: a real 4xx/5xx, never 200 or 0.
            const int status = agency::core::httpStatusFor(code);
            QVERIFY2(status >= 400 && status <= 599, qPrintable(name));
        }
        QCOMPARE(names.size(), codes.size()); // names are unique
    }
};

QTEST_GUILESS_MAIN(TestError)
#include "test_error.moc"
