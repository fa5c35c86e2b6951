#include "fakeslack.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace agency::test {

namespace {

FakeResponse slackError(const QString &code)
{
    return FakeResponse::json(200,
                              QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), code}});
}

FakeResponse slackOk(QJsonObject body)
{
    body.insert(QStringLiteral("ok"), true);
    return FakeResponse::json(200, body);
}

} // namespace

FakeSlack::FakeSlack(QByteArray botToken, QObject *parent) : QObject(parent), m_token(std::move(botToken))
{
    m_server.setHandler([this](const RecordedRequest &request) { return handle(request); });
}

void FakeSlack::addMessage(const QString &channel, const QJsonObject &message)
{
    m_history[channel].append(message);
}

void FakeSlack::addReply(const QString &channel, const QString &threadTs, const QJsonObject &message)
{
    m_threads[channel + u'/' + threadTs].append(message);
}

void FakeSlack::addUser(const QJsonObject &user)
{
    m_users.insert(user.value(QStringLiteral("id")).toString(), user);
}

void FakeSlack::rateLimit(const QString &method, int retryAfterS, int times)
{
    m_rateLimits.insert(method, {retryAfterS, times});
}

void FakeSlack::failWith(const QString &method, const QString &code)
{
    if (code.isEmpty())
        m_failures.remove(method);
    else
        m_failures.insert(method, code);
}

QList<RecordedRequest> FakeSlack::requestsOf(const QString &method) const
{
    QList<RecordedRequest> out;
    for (const RecordedRequest &request : m_server.requests()) {
        if (request.path() == QStringLiteral("/api/") + method)
            out.append(request);
    }
    return out;
}

QByteArray FakeSlack::sign(const QByteArray &signingSecret, const QByteArray &timestamp,
                           const QByteArray &body)
{
    const QByteArray base = "v0:" + timestamp + ':' + body;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), signingSecret.constData(), int(signingSecret.size()),
         reinterpret_cast<const unsigned char *>(base.constData()), size_t(base.size()), mac, &length);
    return "v0=" + QByteArray(reinterpret_cast<const char *>(mac), int(length)).toHex();
}

FakeResponse FakeSlack::handle(const RecordedRequest &request)
{
    const QString path = request.path();
    if (!path.startsWith(QLatin1String("/api/")))
        return FakeResponse::raw(404, "not found", "text/plain");
    const QString method = path.mid(5);
    if (request.header("Authorization") != QByteArray("Bearer " + m_token))
        return slackError(QStringLiteral("invalid_auth"));
    if (auto limit = m_rateLimits.find(method); limit != m_rateLimits.end() && limit->second > 0) {
        --limit->second;
        return FakeResponse::json(429, QJsonObject{{QStringLiteral("ok"), false},
                                                   {QStringLiteral("error"), QStringLiteral("ratelimited")}})
            .header("Retry-After", QByteArray::number(limit->first));
    }
    if (m_failures.contains(method))
        return slackError(m_failures.value(method));
    const QUrlQuery query = request.query();
    if (method == QLatin1String("conversations.history")) {
        const QString channel = query.queryItemValue(QStringLiteral("channel"));
        if (!m_history.contains(channel))
            return slackError(QStringLiteral("channel_not_found"));
        // Slack lists history newest first.
        QJsonArray newestFirst;
        const QJsonArray stored = m_history.value(channel);
        const int limit = query.queryItemValue(QStringLiteral("limit")).toInt();
        for (qsizetype i = stored.size() - 1; i >= 0 && (limit <= 0 || newestFirst.size() < limit); --i)
            newestFirst.append(stored.at(i));
        return slackOk({{QStringLiteral("messages"), newestFirst}, {QStringLiteral("has_more"), false}});
    }
    if (method == QLatin1String("conversations.replies")) {
        const QString key = query.queryItemValue(QStringLiteral("channel")) + u'/' +
                            query.queryItemValue(QStringLiteral("ts"));
        if (!m_threads.contains(key))
            return slackError(QStringLiteral("thread_not_found"));
        return slackOk({{QStringLiteral("messages"), m_threads.value(key)}});
    }
    if (method == QLatin1String("users.info")) {
        const QString user = query.queryItemValue(QStringLiteral("user"));
        if (!m_users.contains(user))
            return slackError(QStringLiteral("user_not_found"));
        return slackOk({{QStringLiteral("user"), m_users.value(user)}});
    }
    if (method == QLatin1String("chat.postMessage")) {
        if (!request.header("Content-Type").startsWith("application/json"))
            return slackError(QStringLiteral("invalid_form_data"));
        const QJsonObject body = request.json();
        if (body.value(QStringLiteral("channel")).toString().isEmpty() ||
            body.value(QStringLiteral("text")).toString().isEmpty())
            return slackError(QStringLiteral("invalid_arguments"));
        m_posts.append(body);
        const QString ts = QStringLiteral("1733700000.%1").arg(m_nextTs++, 6, 10, QLatin1Char('0'));
        return slackOk(
            {{QStringLiteral("channel"), body.value(QStringLiteral("channel"))}, {QStringLiteral("ts"), ts}});
    }
    return slackError(QStringLiteral("unknown_method"));
}

} // namespace agency::test
