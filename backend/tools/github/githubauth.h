#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"
#include "core/clock.h"
#include "githubconfig.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QString>

#include <memory>

class QNetworkAccessManager;

namespace agency::core {
class TenantSecretSource;
} // namespace agency::core

namespace agency::tools {

/// The credential a tenant's GitHub requests carry (docs/design.md#security): its fine-grained token
/// (secret `github_token`), else an installation token of its GitHub App (secrets
/// `github_app_id`, `github_app_private_key`, `github_app_installation_id`): an RS256 JWT signed
/// with the App's key (iat 60 s in the past, exp 9 minutes ahead, iss the App id) is exchanged at
/// `POST /app/installations/{id}/access_tokens`. Installation tokens are cached per tenant and
/// exchanged again `tokenRefreshMarginMs` before their `expires_at`.
///
/// Errors: NotConfigured (no secrets store, no credentials, an unreadable key), and the
/// exchange's ProviderUnauthorized / NotFound / ProviderUnavailable / ProviderTimeout.
/// Thread affinity: `context`'s thread (the client's).
class GitHubAuth
{
public:
    GitHubAuth(const GitHubConfig &config, QNetworkAccessManager &nam, core::TenantSecretSource *secrets,
               std::shared_ptr<const core::Clock> clock, QObject *context);

    core::Async<QString> token(const QString &tenantId, const core::CancelTokenPtr &cancel);
    /// Drops a cached installation token GitHub refused (the next call exchanges a new one).
    void forget(const QString &tenantId) { m_installationTokens.remove(tenantId); }

    /// The sentence a tenant without credentials gets.
    static QString notConnectedMessage();

private:
    struct InstallationToken
    {
        QString appId;
        QString installationId;
        QString token;
        QDateTime expiresAt;
    };

    void appToken(const QString &tenantId, const core::CancelTokenPtr &cancel,
                  const std::function<void(core::Result<QString>)> &done);
    void exchange(const QString &tenantId, const QString &appId, const QString &installationId,
                  const QByteArray &privateKey, const core::CancelTokenPtr &cancel,
                  const std::function<void(core::Result<QString>)> &done);

    GitHubConfig m_config;
    QNetworkAccessManager &m_nam;
    core::TenantSecretSource *m_secrets;
    std::shared_ptr<const core::Clock> m_clock;
    QObject *m_context;
    QHash<QString, InstallationToken> m_installationTokens;
};

} // namespace agency::tools
