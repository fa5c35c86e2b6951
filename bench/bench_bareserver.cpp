// The reference for `./dev bench server`: a bare QHttpServer with one trivial JSON route, measured
// in the same run as the product's /health (target: at least 90% of its requests/s). Prints its
// port on the first line of stdout, then serves until killed.
#include <QCoreApplication>
#include <QHttpServer>
#include <QJsonObject>

#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QHttpServer server;
    server.route(QStringLiteral("/health"), [] {
        return QJsonObject{{QStringLiteral("status"), QStringLiteral("ok")}};
    });
    const quint16 port = server.listen(QHostAddress::LocalHost, 0);
    if (port == 0)
        return 1;
    std::printf("%u\n", unsigned(port));
    std::fflush(stdout);
    return QCoreApplication::exec();
}
