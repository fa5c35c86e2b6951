#include "fakegithub.h"

#include "fakegoogleauth.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QTimeZone>

namespace agency::test {

namespace {

const QString kRepo = QStringLiteral("/repos/acme/shop");

FakeResponse message(int status, const QString &text)
{
    return FakeResponse::json(status, QJsonObject{{QStringLiteral("message"), text},
                                                  {QStringLiteral("documentation_url"),
                                                   QStringLiteral("https://docs.github.com/rest")}});
}

QJsonObject user(const QString &login)
{
    return QJsonObject{{QStringLiteral("login"), login}, {QStringLiteral("id"), 1000 + login.size()}};
}

QJsonObject issue(int number, const QString &title, const QString &state, bool pull)
{
    QJsonObject item{
        {QStringLiteral("number"), number},
        {QStringLiteral("title"), title},
        {QStringLiteral("state"), state},
        {QStringLiteral("user"), user(QStringLiteral("octocat"))},
        {QStringLiteral("labels"), QJsonArray{QJsonObject{{QStringLiteral("name"), QStringLiteral("bug")}}}},
        {QStringLiteral("comments"), 2},
        {QStringLiteral("created_at"), QStringLiteral("2026-11-30T09:00:00Z")},
        {QStringLiteral("updated_at"), QStringLiteral("2026-12-04T16:20:00Z")},
        {QStringLiteral("closed_at"), QJsonValue::Null},
        {QStringLiteral("body"), QStringLiteral("Checkout fails when the basket holds more than 3 items.")},
        {QStringLiteral("repository_url"), QStringLiteral("https://api.github.com/repos/acme/shop")},
        {QStringLiteral("html_url"), QStringLiteral("https://github.com/acme/shop/issues/%1").arg(number)},
    };
    if (pull)
        item.insert(
            QStringLiteral("pull_request"),
            QJsonObject{{QStringLiteral("url"),
                         QStringLiteral("https://api.github.com/repos/acme/shop/pulls/%1").arg(number)}});
    return item;
}

QJsonObject commit(const QString &sha, const QString &login, const QString &date, const QString &text)
{
    return QJsonObject{
        {QStringLiteral("sha"), sha},
        {QStringLiteral("commit"),
         QJsonObject{
             {QStringLiteral("author"), QJsonObject{{QStringLiteral("name"), QStringLiteral("Octo Cat")},
                                                    {QStringLiteral("date"), date}}},
             {QStringLiteral("message"), text}}},
        {QStringLiteral("author"), user(login)},
        {QStringLiteral("html_url"), QString(QStringLiteral("https://github.com/acme/shop/commit/") + sha)}};
}

} // namespace

FakeGitHub::FakeGitHub(std::function<qint64()> nowSecs, QObject *parent)
    : FakeHttpServer(parent),
      m_now(nowSecs ? std::move(nowSecs) : [] { return QDateTime::currentSecsSinceEpoch(); })
{
    setHandler([this](const RecordedRequest &request) { return handle(request); });
}

void FakeGitHub::enableApp(const QByteArray &publicPem, const QString &appId, const QString &installationId,
                           qint64 tokenLifetimeSecs)
{
    m_appPublicPem = publicPem;
    m_appId = appId;
    m_installationId = installationId;
    m_tokenLifetime = tokenLifetimeSecs;
}

void FakeGitHub::rateLimitNext(int count, qint64 resetSecs)
{
    m_rateLimited = count;
    m_resetSecs = resetSecs;
}

void FakeGitHub::route(const QByteArray &method, const QString &path, Route route)
{
    m_routes.insert(QString::fromLatin1(method) + u' ' + path, std::move(route));
}

void FakeGitHub::route(const QByteArray &method, const QString &path, const FakeResponse &response)
{
    route(method, path, [response](const RecordedRequest &) { return response; });
}

QList<RecordedRequest> FakeGitHub::apiRequests() const
{
    QList<RecordedRequest> api;
    for (const RecordedRequest &r : requests()) {
        if (!r.path().startsWith(QLatin1String("/app/")) && !r.path().startsWith(QLatin1String("/_blob/")))
            api.append(r);
    }
    return api;
}

FakeResponse FakeGitHub::handle(const RecordedRequest &request)
{
    const QString path = request.path();
    if (path.startsWith(QLatin1String("/_blob/"))) {
        // The pre-signed log storage: never given the API credentials.
        if (!request.header("authorization").isEmpty())
            m_problems.append(QStringLiteral("credentials sent to the log storage"));
        const auto it = m_routes.constFind(QStringLiteral("GET ") + path);
        return it != m_routes.cend() ? (*it)(request) : FakeResponse::raw(404, "gone", "text/plain");
    }
    if (request.header("accept") != "application/vnd.github+json")
        m_problems.append(
            QStringLiteral("%1: Accept is \"%2\"").arg(path, QString::fromLatin1(request.header("accept"))));
    if (request.header("x-github-api-version") != "2022-11-28")
        m_problems.append(QStringLiteral("%1: X-GitHub-Api-Version is \"%2\"")
                              .arg(path, QString::fromLatin1(request.header("x-github-api-version"))));
    if (request.header("user-agent").isEmpty())
        m_problems.append(QStringLiteral("%1: no User-Agent").arg(path));
    if (request.method == "POST" && request.json().isEmpty() && !path.startsWith(QLatin1String("/app/")))
        m_problems.append(QStringLiteral("%1: POST without a JSON object body").arg(path));

    static const QRegularExpression exchange(QStringLiteral("^/app/installations/([^/]+)/access_tokens$"));
    if (const auto match = exchange.match(path); match.hasMatch() && request.method == "POST")
        return exchangeToken(request, match.captured(1));

    const QByteArray authorization = request.header("authorization");
    if (!authorization.startsWith("Bearer ") || !m_accepted.contains(authorization.mid(7)))
        return message(401, QStringLiteral("Bad credentials"));

    FakeResponse answer = message(404, QStringLiteral("Not Found"));
    if (m_retryAfterNext >= 0) {
        answer = message(429, QStringLiteral("You have exceeded a secondary rate limit."));
        answer.header("retry-after", QByteArray::number(m_retryAfterNext));
        m_retryAfterNext = -1;
        return answer;
    }
    if (m_rateLimited > 0) {
        --m_rateLimited;
        answer = message(403, QStringLiteral("API rate limit exceeded for installation."));
        answer.header("x-ratelimit-limit", "5000")
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-used", "5000")
            .header("x-ratelimit-reset", QByteArray::number(m_resetSecs));
        return answer;
    }
    const auto it = m_routes.constFind(QString::fromLatin1(request.method) + u' ' + path);
    if (it != m_routes.cend())
        answer = (*it)(request);
    answer.header("x-ratelimit-limit", "5000").header("x-ratelimit-remaining", "4999");
    return answer;
}

FakeResponse FakeGitHub::exchangeToken(const RecordedRequest &request, const QString &installationId)
{
    auto reject = [this](const QString &why) {
        m_lastRejection = why;
        return message(401, QStringLiteral("A JSON web token could not be decoded"));
    };
    if (m_appPublicPem.isEmpty())
        return reject(QStringLiteral("no App is set up"));
    const QByteArray authorization = request.header("authorization");
    if (!authorization.startsWith("Bearer "))
        return reject(QStringLiteral("no bearer JWT"));
    QString error;
    const QJsonObject claims = verifyRs256Jwt(authorization.mid(7), m_appPublicPem, &error);
    if (!error.isEmpty())
        return reject(error);
    m_lastClaims = claims;
    const QJsonValue iss = claims.value(QLatin1String("iss"));
    const QString issuer = iss.isDouble() ? QString::number(iss.toInteger()) : iss.toString();
    const qint64 iat = claims.value(QLatin1String("iat")).toInteger();
    const qint64 exp = claims.value(QLatin1String("exp")).toInteger();
    if (issuer != m_appId)
        return reject(QStringLiteral("iss is \"%1\", not the App id").arg(issuer));
    if (iat > now())
        return reject(QStringLiteral("iat is in the future"));
    if (exp <= now() || exp - iat > 600)
        return reject(QStringLiteral("exp is not within 10 minutes of iat and after now"));
    if (installationId != m_installationId)
        return message(404, QStringLiteral("Not Found"));
    ++m_issued;
    m_lastIssued = "ghs_fakeinstallation" + QByteArray::number(m_issued);
    m_accepted.append(m_lastIssued);
    const QString expiresAt =
        QDateTime::fromSecsSinceEpoch(now() + m_tokenLifetime, QTimeZone::utc()).toString(Qt::ISODate);
    return FakeResponse::json(
        201, QJsonObject{{QStringLiteral("token"), QString::fromLatin1(m_lastIssued)},
                         {QStringLiteral("expires_at"), expiresAt},
                         {QStringLiteral("permissions"),
                          QJsonObject{{QStringLiteral("issues"), QStringLiteral("write")}}}});
}

void FakeGitHub::serveSampleRepository()
{
    route("GET", kRepo + QStringLiteral("/issues/7"),
          FakeResponse::json(
              200, issue(7, QStringLiteral("Checkout fails with 4 items"), QStringLiteral("open"), false)));
    QJsonArray comments;
    for (const auto &[who, text] : {std::pair{"alice", "I can reproduce it on staging."},
                                    std::pair{"bob", "The basket limit is off by one in Basket::add."}}) {
        comments.append(QJsonObject{{QStringLiteral("id"), 500 + comments.size()},
                                    {QStringLiteral("user"), user(QLatin1String(who))},
                                    {QStringLiteral("created_at"), QStringLiteral("2026-12-01T10:00:00Z")},
                                    {QStringLiteral("body"), QLatin1String(text)}});
    }
    route("GET", kRepo + QStringLiteral("/issues/7/comments"),
          FakeResponse::raw(200, QJsonDocument(comments).toJson(QJsonDocument::Compact)));
    route("GET", kRepo + QStringLiteral("/issues/8"),
          FakeResponse::json(200,
                             issue(8, QStringLiteral("Fix the basket limit"), QStringLiteral("open"), true)));
    route("GET", kRepo + QStringLiteral("/issues/8/comments"), FakeResponse::raw(200, "[]"));
    route("GET", kRepo + QStringLiteral("/pulls/8"),
          FakeResponse::json(200,
                             QJsonObject{{QStringLiteral("number"), 8},
                                         {QStringLiteral("merged"), false},
                                         {QStringLiteral("draft"), false},
                                         {QStringLiteral("head"),
                                          QJsonObject{{QStringLiteral("ref"), QStringLiteral("fix-basket")}}},
                                         {QStringLiteral("base"),
                                          QJsonObject{{QStringLiteral("ref"), QStringLiteral("main")}}},
                                         {QStringLiteral("additions"), 12},
                                         {QStringLiteral("deletions"), 3},
                                         {QStringLiteral("changed_files"), 2}}));
    const QJsonArray files{QJsonObject{{QStringLiteral("filename"), QStringLiteral("src/basket.cpp")},
                                       {QStringLiteral("status"), QStringLiteral("modified")},
                                       {QStringLiteral("additions"), 10},
                                       {QStringLiteral("deletions"), 3},
                                       {QStringLiteral("patch"), QStringLiteral("@@ -1 +1 @@")}},
                           QJsonObject{{QStringLiteral("filename"), QStringLiteral("tests/basket_test.cpp")},
                                       {QStringLiteral("status"), QStringLiteral("added")},
                                       {QStringLiteral("additions"), 2},
                                       {QStringLiteral("deletions"), 0}}};
    route("GET", kRepo + QStringLiteral("/pulls/8/files"),
          FakeResponse::raw(200, QJsonDocument(files).toJson(QJsonDocument::Compact)));
    const QJsonArray commits{
        commit(QStringLiteral("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"), QStringLiteral("bob"),
               QStringLiteral("2026-12-04T15:00:00Z"), QStringLiteral("Fix the basket limit\n\nOff by one.")),
        commit(QStringLiteral("0f1e2d3c4b5a69788796a5b4c3d2e1f000112233"), QStringLiteral("alice"),
               QStringLiteral("2026-12-02T11:30:00Z"), QStringLiteral("Add checkout metrics"))};
    route("GET", kRepo + QStringLiteral("/commits"),
          FakeResponse::raw(200, QJsonDocument(commits).toJson(QJsonDocument::Compact)));
    const QByteArray readme = "# Shop\n\nThe acme web shop.\n";
    route("GET", kRepo + QStringLiteral("/contents/README.md"),
          FakeResponse::json(
              200,
              QJsonObject{{QStringLiteral("type"), QStringLiteral("file")},
                          {QStringLiteral("encoding"), QStringLiteral("base64")},
                          {QStringLiteral("size"), readme.size()},
                          {QStringLiteral("name"), QStringLiteral("README.md")},
                          {QStringLiteral("path"), QStringLiteral("README.md")},
                          {QStringLiteral("sha"), QStringLiteral("3d21ec53a331a6f037a91c368710b99387d012c1")},
                          // GitHub wraps the base64 text every 60 characters.
                          {QStringLiteral("content"),
                           QString::fromLatin1(readme.toBase64().insert(20, '\n') + '\n')}}));
    const QJsonArray dir{QJsonObject{{QStringLiteral("name"), QStringLiteral("basket.cpp")},
                                     {QStringLiteral("type"), QStringLiteral("file")}},
                         QJsonObject{{QStringLiteral("name"), QStringLiteral("payment")},
                                     {QStringLiteral("type"), QStringLiteral("dir")}}};
    route("GET", kRepo + QStringLiteral("/contents/src"),
          FakeResponse::raw(200, QJsonDocument(dir).toJson(QJsonDocument::Compact)));
    auto run = [](qint64 id, const QString &conclusion, const QString &sha) {
        return QJsonObject{{QStringLiteral("id"), id},
                           {QStringLiteral("name"), QStringLiteral("CI")},
                           {QStringLiteral("display_title"), QStringLiteral("Fix the basket limit")},
                           {QStringLiteral("head_branch"), QStringLiteral("main")},
                           {QStringLiteral("head_sha"), sha},
                           {QStringLiteral("event"), QStringLiteral("push")},
                           {QStringLiteral("status"), QStringLiteral("completed")},
                           {QStringLiteral("conclusion"), conclusion},
                           {QStringLiteral("created_at"), QStringLiteral("2026-12-04T15:01:00Z")},
                           {QStringLiteral("html_url"),
                            QStringLiteral("https://github.com/acme/shop/actions/runs/%1").arg(id)}};
    };
    route("GET", kRepo + QStringLiteral("/actions/runs"),
          FakeResponse::json(
              200, QJsonObject{
                       {QStringLiteral("total_count"), 2},
                       {QStringLiteral("workflow_runs"),
                        QJsonArray{run(555, QStringLiteral("failure"), QStringLiteral("a1b2c3d4e5f6")),
                                   run(554, QStringLiteral("success"), QStringLiteral("0f1e2d3c4b5a"))}}}));
    auto step = [](const QString &name, const QString &conclusion) {
        return QJsonObject{{QStringLiteral("name"), name}, {QStringLiteral("conclusion"), conclusion}};
    };
    route("GET", kRepo + QStringLiteral("/actions/runs/555/jobs"),
          FakeResponse::json(
              200,
              QJsonObject{
                  {QStringLiteral("total_count"), 2},
                  {QStringLiteral("jobs"),
                   QJsonArray{
                       QJsonObject{{QStringLiteral("id"), 9000},
                                   {QStringLiteral("name"), QStringLiteral("lint")},
                                   {QStringLiteral("conclusion"), QStringLiteral("success")}},
                       QJsonObject{
                           {QStringLiteral("id"), 9001},
                           {QStringLiteral("name"), QStringLiteral("test")},
                           {QStringLiteral("conclusion"), QStringLiteral("failure")},
                           {QStringLiteral("html_url"),
                            QStringLiteral("https://github.com/acme/shop/actions/runs/555/job/9001")},
                           {QStringLiteral("steps"),
                            QJsonArray{step(QStringLiteral("Build"), QStringLiteral("success")),
                                       step(QStringLiteral("Run tests"), QStringLiteral("failure"))}}}}}}));
    route("GET", kRepo + QStringLiteral("/actions/jobs/9001/logs"), [this](const RecordedRequest &) {
        FakeResponse redirect = FakeResponse::raw(302, QByteArray(), "text/plain");
        redirect.header("Location", (origin() + QStringLiteral("/_blob/logs/9001?sig=presigned")).toLatin1());
        return redirect;
    });
    QByteArray log;
    for (int i = 1; i <= 300; ++i)
        log += "2026-12-04T15:02:" + QByteArray::number(10 + i % 50) + ".1234567Z line " +
               QByteArray::number(i) + "\r\n";
    log += "2026-12-04T15:03:00.0000000Z Error: expected 3, got 4\n";
    route("GET", QStringLiteral("/_blob/logs/9001"), FakeResponse::raw(200, log, "text/plain"));
    route("GET", QStringLiteral("/search/issues"), [](const RecordedRequest &) {
        return FakeResponse::json(
            200, QJsonObject{{QStringLiteral("total_count"), 2},
                             {QStringLiteral("incomplete_results"), false},
                             {QStringLiteral("items"),
                              QJsonArray{issue(8, QStringLiteral("Fix the basket limit"),
                                               QStringLiteral("open"), true),
                                         issue(7, QStringLiteral("Checkout fails with 4 items"),
                                               QStringLiteral("open"), false)}}});
    });
    route("POST", kRepo + QStringLiteral("/issues"), [](const RecordedRequest &request) {
        QJsonObject created =
            issue(42, request.json().value(QLatin1String("title")).toString(), QStringLiteral("open"), false);
        created.insert(QStringLiteral("body"), request.json().value(QLatin1String("body")));
        return FakeResponse::json(201, created);
    });
    route("POST", kRepo + QStringLiteral("/issues/7/comments"), [](const RecordedRequest &request) {
        return FakeResponse::json(
            201, QJsonObject{{QStringLiteral("id"), 777},
                             {QStringLiteral("body"), request.json().value(QLatin1String("body"))},
                             {QStringLiteral("html_url"),
                              QStringLiteral("https://github.com/acme/shop/issues/7#issuecomment-777")}});
    });
}

} // namespace agency::test
