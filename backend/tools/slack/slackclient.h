#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/tenantsecrets.h"

#include <QJsonObject>
#include <QObject>
#include <QUrl>
#include <QUrlQuery>

class QNetworkAccessManager;

namespace agency::tools::slack {

/// SLACK_API_BASE_URL and the limits of one Web API call (docs/flows-and-tools.md#slack).
struct SlackConfig
{
    QUrl baseUrl = QUrl(QStringLiteral("https://slack.com/api"));
    int timeoutMs = 15'000;      ///< one HTTP request
    int maxAttempts = 3;         ///< a 429 is retried after its Retry-After, up to this many sends
    int maxRetryWaitMs = 60'000; ///< a longer Retry-After fails at once (ProviderRateLimited)
};

/// The Slack Web API as a tenant's bot (its secret `slack_bot_token`, sent as
/// `Authorization: Bearer`). Reads are GET with their arguments in the query; writes are POST with
/// a JSON body. Slack answers HTTP 200 with {"ok": false, "error": "..."} for most failures: those
/// become errors naming Slack's code and what to do (a bad token, a missing scope, the bot not in
/// the channel). A 429 is retried after its Retry-After. Never logs or reports the token.
///
/// Thread affinity: create and call on the thread owning `nam`; futures finish there.
class SlackClient : public QObject
{
    Q_OBJECT

public:
    SlackClient(SlackConfig config, QNetworkAccessManager &nam, core::TenantSecretSource *secrets,
                QObject *parent = nullptr);

    /// The answer of a read method (conversations.history, users.info, ...), "ok" true.
    core::Async<QJsonObject> get(const QString &tenantId, const QString &method, const QUrlQuery &arguments,
                                 const core::CancelTokenPtr &cancel = {});
    /// The answer of a write method (chat.postMessage), "ok" true.
    core::Async<QJsonObject> post(const QString &tenantId, const QString &method,
                                  const QJsonObject &arguments, const core::CancelTokenPtr &cancel = {});

    /// Slack's error code as one of ours, with a sentence saying what to do.
    static core::Error mapSlackError(const QString &method, const QJsonObject &answer);

private:
    struct Call;
    core::Async<QJsonObject> start(std::shared_ptr<Call> call);
    void send(std::shared_ptr<Call> call);

    SlackConfig m_config;
    QNetworkAccessManager &m_nam;
    core::TenantSecretSource *m_secrets;
};

} // namespace agency::tools::slack
