#include "slacksignature.h"

#include <QMessageAuthenticationCode>

namespace agency::tools::slack {

using core::ErrorCode;
using core::makeError;

QByteArray slackSignature(const QByteArray &signingSecret, const QByteArray &timestamp,
                          const QByteArray &body)
{
    QMessageAuthenticationCode mac(QCryptographicHash::Sha256, signingSecret);
    mac.addData("v0:");
    mac.addData(timestamp);
    mac.addData(":");
    mac.addData(body);
    return "v0=" + mac.result().toHex();
}

bool constantTimeEquals(const QByteArray &a, const QByteArray &b)
{
    if (a.size() != b.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return difference == 0;
}

core::Status checkSlackTimestamp(const QByteArray &timestamp, const QDateTime &now)
{
    bool ok = false;
    const qint64 seconds = timestamp.trimmed().toLongLong(&ok);
    if (!ok)
        return makeError(ErrorCode::Unauthenticated,
                         QStringLiteral("missing or malformed X-Slack-Request-Timestamp"));
    const qint64 age = now.toSecsSinceEpoch() - seconds;
    if (age > kMaxSignatureAgeS || age < -kMaxSignatureAgeS)
        return makeError(ErrorCode::Unauthenticated,
                         QStringLiteral("X-Slack-Request-Timestamp is more than %1 minutes from now")
                             .arg(kMaxSignatureAgeS / 60));
    return {};
}

core::Status verifySlackSignature(const QByteArray &signingSecret, const QByteArray &timestamp,
                                  const QByteArray &body, const QByteArray &signature, const QDateTime &now)
{
    if (auto fresh = checkSlackTimestamp(timestamp, now); !fresh)
        return fresh;
    if (signingSecret.isEmpty() ||
        !constantTimeEquals(slackSignature(signingSecret, timestamp.trimmed(), body), signature.trimmed()))
        return makeError(ErrorCode::Unauthenticated, QStringLiteral("X-Slack-Signature does not match"));
    return {};
}

} // namespace agency::tools::slack
