#include "connectionparams.h"

#include <QRegularExpression>
#include <QUrl>
#include <QUrlQuery>

namespace agency::sql {

using core::ErrorCode;
using core::makeError;

QString ConnectionParams::describe() const
{
    const QString where = host.startsWith(u'/') ? QStringLiteral("socket %1").arg(host)
                                                : QStringLiteral("%1:%2").arg(host).arg(port);
    return QStringLiteral("%1 database \"%2\" as \"%3\" (%4)")
        .arg(embedded ? QStringLiteral("embedded") : QStringLiteral("external"), database, user, where);
}

core::Result<ConnectionParams> parseDatabaseUrl(const QString &text)
{
    const QString trimmed = text.trimmed();
    if (!trimmed.startsWith(QLatin1String("postgresql://")) &&
        !trimmed.startsWith(QLatin1String("postgres://"))) {
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("DATABASE_URL must start with postgresql:// (got \"%1\")")
                             .arg(trimmed.section(u':', 0, 0)));
    }
    // libpq also accepts a percent-encoded socket directory as the host
    // (postgresql://%2Fvar%2Frun%2Fpostgresql/db), which QUrl rejects as a host name.
    static const QRegularExpression socketHost(QStringLiteral("^([a-z]+://(?:[^@/?#]*@)?)(%2F[^:/?#]*)"),
                                               QRegularExpression::CaseInsensitiveOption);
    QString socketDir;
    QString forQUrl = trimmed;
    if (const auto match = socketHost.match(trimmed); match.hasMatch()) {
        socketDir = QUrl::fromPercentEncoding(match.captured(2).toUtf8());
        forQUrl.replace(match.capturedStart(2), match.capturedLength(2), QStringLiteral("localhost"));
    }
    const QUrl url(forQUrl, QUrl::StrictMode);
    if (!url.isValid()) {
        // QUrl's message ends with "source was <the URL>", which would print the password.
        return makeError(ErrorCode::NotConfigured,
                         QStringLiteral("DATABASE_URL is not a valid URL: %1 (percent-encode special "
                                        "characters in the user name and password)")
                             .arg(url.errorString().section(QStringLiteral("; source was"), 0, 0)));
    }

    ConnectionParams params;
    params.host = socketDir.isEmpty() ? url.host(QUrl::FullyDecoded) : socketDir;
    params.port = url.port(5432);
    params.user = url.userName(QUrl::FullyDecoded);
    params.password = url.password(QUrl::FullyDecoded);
    params.database = url.path(QUrl::FullyDecoded).mid(1);

    QStringList options;
    const QUrlQuery query(url);
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == QLatin1String("host"))
            params.host = value;
        else if (key == QLatin1String("port"))
            params.port = value.toInt();
        else if (key == QLatin1String("user"))
            params.user = value;
        else if (key == QLatin1String("password"))
            params.password = value;
        else if (key == QLatin1String("dbname"))
            params.database = value;
        else
            options.append(key + u'=' + value);
    }
    if (params.host.isEmpty())
        params.host = QStringLiteral("/var/run/postgresql");
    if (params.port <= 0 || params.port > 65535)
        return makeError(ErrorCode::NotConfigured, QStringLiteral("DATABASE_URL has an invalid port"));
    if (params.database.isEmpty())
        params.database = params.user.isEmpty() ? QStringLiteral("postgres") : params.user;
    params.connectOptions = options.join(u';');
    return params;
}

} // namespace agency::sql
