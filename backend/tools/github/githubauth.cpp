#include "githubauth.h"

#include "githubhttp.h"
#include "llm/jwt.h"
#include "tools/httpexchange.h"

#include "core/async/resultpromise.h"
#include "core/json.h"
#include "core/tenantsecrets.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QRegularExpression>

namespace agency::tools {

using core::ErrorCode;
using core::makeError;
using core::Result;

namespace {

using Done = std::function<void(Result<QString>)>;
using SecretsDone = std::function<void(Result<QStringList>)>;

const QString kService = QStringLiteral("GitHub");

/// Reads `names` of `tenantId` one after the other; the first failure ends the reading.
void readSecrets(core::TenantSecretSource *secrets, QObject *context, const QString &tenantId,
                 QStringList names, QStringList values, const SecretsDone &done)
{
    if (names.isEmpty()) {
        done(values);
        return;
    }
    const QString name = names.takeFirst();
    secrets->secret(tenantId, name)
        .then(context, [secrets, context, tenantId, names, values, done](Result<QString> value) mutable {
            if (!value) {
                done(value.error());
                return;
            }
            values.append(value.value().trimmed());
            readSecrets(secrets, context, tenantId, names, values, done);
        });
}

core::Error notConnected()
{
    return makeError(ErrorCode::NotConfigured, GitHubAuth::notConnectedMessage());
}

} // namespace

GitHubAuth::GitHubAuth(const GitHubConfig &config, QNetworkAccessManager &nam,
                       core::TenantSecretSource *secrets, std::shared_ptr<const core::Clock> clock,
                       QObject *context)
    : m_config(config), m_nam(nam), m_secrets(secrets), m_clock(std::move(clock)), m_context(context)
{
}

QString GitHubAuth::notConnectedMessage()
{
    return QStringLiteral(
        "GitHub is not connected for this tenant: connect a GitHub token (an administrator stores a "
        "fine-grained token with `aiagency tenants secret set <tenant> github_token`, or a GitHub App's "
        "github_app_id, github_app_private_key and github_app_installation_id; see docs/github.md)");
}

core::Async<QString> GitHubAuth::token(const QString &tenantId, const core::CancelTokenPtr &cancel)
{
    if (!m_secrets)
        return core::failedAsync<QString>(notConnected());
    if (tenantId.isEmpty())
        return core::failedAsync<QString>(makeError(
            ErrorCode::NotConfigured, QStringLiteral("GitHub tools need a tenant (its credentials)")));
    core::ResultPromise<QString> promise;
    m_secrets->secret(tenantId, QStringLiteral("github_token"))
        .then(m_context, [this, tenantId, cancel, promise](Result<QString> token) {
            if (token && !token.value().trimmed().isEmpty()) {
                promise.finish(token.value().trimmed());
                return;
            }
            if (!token && token.error().code != ErrorCode::NotFound) {
                promise.finish(token.error());
                return;
            }
            appToken(tenantId, cancel, [promise](Result<QString> app) { promise.finish(std::move(app)); });
        });
    return promise.future();
}

void GitHubAuth::appToken(const QString &tenantId, const core::CancelTokenPtr &cancel, const Done &done)
{
    const QStringList ids{QStringLiteral("github_app_id"), QStringLiteral("github_app_installation_id")};
    readSecrets(
        m_secrets, m_context, tenantId, ids, {}, [this, tenantId, cancel, done](Result<QStringList> read) {
            if (!read) {
                done(read.error().code == ErrorCode::NotFound ? notConnected() : read.error());
                return;
            }
            const QString appId = read.value().at(0);
            const QString installationId = read.value().at(1);
            static const QRegularExpression number(QStringLiteral("^[0-9]{1,20}$"));
            if (!number.match(installationId).hasMatch() || appId.isEmpty())
                return done(
                    makeError(ErrorCode::NotConfigured,
                              QStringLiteral("the tenant's github_app_installation_id must be a number and "
                                             "github_app_id must not be empty")));
            const auto cached = m_installationTokens.constFind(tenantId);
            if (cached != m_installationTokens.cend() && cached->appId == appId &&
                cached->installationId == installationId &&
                m_clock->now().msecsTo(cached->expiresAt) > m_config.tokenRefreshMarginMs)
                return done(cached->token);
            readSecrets(
                m_secrets, m_context, tenantId, {QStringLiteral("github_app_private_key")}, {},
                [this, tenantId, appId, installationId, cancel, done](Result<QStringList> key) {
                    if (!key)
                        return done(key.error().code == ErrorCode::NotFound ? notConnected() : key.error());
                    exchange(tenantId, appId, installationId, key.value().first().toUtf8(), cancel, done);
                });
        });
}

void GitHubAuth::exchange(const QString &tenantId, const QString &appId, const QString &installationId,
                          const QByteArray &privateKey, const core::CancelTokenPtr &cancel, const Done &done)
{
    const qint64 now = m_clock->now().toSecsSinceEpoch();
    // iat in the past allows for clock drift; GitHub refuses an exp more than 10 minutes ahead.
    static const QRegularExpression number(QStringLiteral("^[0-9]{1,18}$"));
    const QJsonValue issuer =
        number.match(appId).hasMatch() ? QJsonValue(appId.toLongLong()) : QJsonValue(appId);
    const QJsonObject claims{{QStringLiteral("iat"), now - 60},
                             {QStringLiteral("exp"), now + 9 * 60},
                             {QStringLiteral("iss"), issuer}};
    auto jwt = llm::makeRs256Jwt(claims, privateKey);
    if (!jwt)
        return done(makeError(
            ErrorCode::NotConfigured,
            QStringLiteral("the tenant's github_app_private_key cannot sign: %1").arg(jwt.error().message)));
    QNetworkRequest request(gitHubUrl(
        m_config.apiBaseUrl, QStringLiteral("/app/installations/%1/access_tokens").arg(installationId)));
    setGitHubHeaders(request);
    request.setRawHeader("Authorization", "Bearer " + jwt.value());
    sendHttp(m_nam, request, "POST", QByteArray(), cancel, m_config.httpTimeoutMs, BodyLimit{},
             QStringLiteral("GitHub (App token exchange)"))
        .then(m_context, [this, tenantId, appId, installationId, done](Result<HttpAnswer> answer) {
            if (!answer)
                return done(answer.error());
            const int status = answer.value().status;
            const QJsonObject body = QJsonDocument::fromJson(answer.value().body).object();
            if (status == 401)
                return done(
                    makeError(ErrorCode::ProviderUnauthorized,
                              QStringLiteral("GitHub refused the App's credentials (HTTP 401): check the "
                                             "tenant's github_app_id and github_app_private_key")));
            if (status == 404)
                return done(
                    makeError(ErrorCode::NotConfigured,
                              QStringLiteral("GitHub knows no installation %1 of this App (HTTP 404): "
                                             "check the tenant's github_app_installation_id")
                                  .arg(installationId)));
            if (status >= 500)
                return done(makeError(ErrorCode::ProviderUnavailable,
                                      QStringLiteral("%1 failed to issue an installation token (HTTP %2)")
                                          .arg(kService)
                                          .arg(status)));
            const QString token = body.value(QLatin1String("token")).toString();
            const QDateTime expiresAt =
                QDateTime::fromString(body.value(QLatin1String("expires_at")).toString(), Qt::ISODate);
            if (status < 200 || status >= 300 || token.isEmpty())
                return done(
                    makeError(ErrorCode::ProviderBadRequest,
                              QStringLiteral("GitHub did not issue an installation token (HTTP %1)%2")
                                  .arg(status)
                                  .arg(body.contains(QLatin1String("message"))
                                           ? QStringLiteral(": ") +
                                                 body.value(QLatin1String("message")).toString().left(300)
                                           : QString())));
            // Without a readable expiry, assume GitHub's documented hour.
            m_installationTokens.insert(
                tenantId, InstallationToken{appId, installationId, token,
                                            expiresAt.isValid() ? expiresAt : m_clock->now().addSecs(3600)});
            done(token);
        });
}

} // namespace agency::tools
