#pragma once

#include <QByteArray>
#include <QString>

namespace agency::core {

/// One request to POST /slack/events as it arrived: the raw body (the signature covers its exact
/// bytes) and Slack's headers (docs/slack.md).
struct SlackDelivery
{
    QByteArray body;
    QByteArray timestamp; ///< X-Slack-Request-Timestamp
    QByteArray signature; ///< X-Slack-Signature
    int retryNum = 0;     ///< X-Slack-Retry-Num (0: first delivery)
};

/// What the server answers Slack at once; the work itself is queued.
struct SlackAck
{
    QString tenantId;
    QString challenge;      ///< url_verification: echoed back
    bool duplicate = false; ///< an event already received (a retry): nothing is run again
    bool queued = false;    ///< an app_mention whose answer is being prepared
};

} // namespace agency::core
