#include "errortext.h"

#include <cmath>

namespace agency::ui {

namespace {

QString retryHint(const core::Error &error)
{
    const double ms = error.details.value(QStringLiteral("retry_after_ms")).toDouble(-1);
    if (ms < 0)
        return QStringLiteral("Try again in a moment.");
    const int seconds = std::max(1, static_cast<int>(std::ceil(ms / 1000.0)));
    return QStringLiteral("Try again in %1 s.").arg(seconds);
}

} // namespace

QString readableError(const core::Error &error)
{
    using core::ErrorCode;
    QString lead;
    switch (error.code) {
    case ErrorCode::RateLimited:
        lead = QStringLiteral("This tenant's token budget is used up. ") + retryHint(error);
        break;
    case ErrorCode::ProviderRateLimited:
        lead = QStringLiteral("The provider is rate limiting us. ") + retryHint(error);
        break;
    case ErrorCode::ProviderUnauthorized:
        lead = QStringLiteral("The provider rejected the API key. Check it in Settings.");
        break;
    case ErrorCode::ProviderUnavailable:
    case ErrorCode::ProviderTimeout:
        lead = QStringLiteral("The provider cannot be reached. Check the network or the base URL in "
                              "Settings, then send again.");
        break;
    case ErrorCode::ProviderBadRequest:
    case ErrorCode::ProviderMalformed:
        lead = QStringLiteral("The provider could not handle this request.");
        break;
    case ErrorCode::NotConfigured:
        lead = QStringLiteral("This provider is not configured yet. Open Settings to add its key.");
        break;
    case ErrorCode::DatabaseUnavailable:
        lead = QStringLiteral("The database is unreachable. Your text is kept; send again once it "
                              "is back.");
        break;
    case ErrorCode::Conflict:
        // Another process (a server, a CLI, another console) is answering in this conversation.
        lead = QStringLiteral("Another reply to this conversation is still being written. Your text is "
                              "kept; send again when it has finished.");
        break;
    case ErrorCode::Cancelled:
        lead = QStringLiteral("Stopped. What was complete is stored.");
        break;
    default:
        lead = QStringLiteral("Something went wrong.");
        break;
    }
    if (error.message.isEmpty() || error.code == ErrorCode::Cancelled)
        return lead;
    return lead + QStringLiteral(" (") + error.message + QLatin1Char(')');
}

bool fixedInSettings(core::ErrorCode code)
{
    using core::ErrorCode;
    return code == ErrorCode::NotConfigured || code == ErrorCode::ProviderUnauthorized ||
           code == ErrorCode::ProviderUnavailable || code == ErrorCode::ProviderTimeout;
}

QString browsingError(const core::Error &error, const QString &whenBack)
{
    if (error.code != core::ErrorCode::DatabaseUnavailable)
        return readableError(error);
    const QString lead =
        QStringLiteral("The database is unreachable. ") +
        (whenBack.isEmpty() ? QStringLiteral("This is read again once it is back.") : whenBack);
    return error.message.isEmpty() ? lead : lead + QStringLiteral(" (") + error.message + QLatin1Char(')');
}

QString searchError(const core::Error &error)
{
    return browsingError(error, QStringLiteral("Search again once it is back."));
}

} // namespace agency::ui
