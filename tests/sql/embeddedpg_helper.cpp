// Helper for test_embeddedpostgres.
//   embeddedpg_helper DATA_DIR: run as an unprivileged user (runuser -u nobody) it starts the
//     embedded cluster in DATA_DIR without the root/runuser path, reports what it saw and stops
//     it. Output lines: server_uid=<uid of the postmaster>, listen_addresses=<value>, reused=<0|1>.
//   embeddedpg_helper --die-with-testpostgres: starts a TestPostgres, prints its postmaster pid,
//     directory and socket directory, and exits without running any destructor (like a crash).
#include "sql/dbconnection.h"
#include "sql/embeddedpostgres.h"
#include "testpostgres.h"

#include <QCoreApplication>
#include <QFileInfo>

#include <cstdio>
#include <cstdlib>

using namespace agency;

namespace {

int fail(const QString &what)
{
    std::fprintf(stderr, "%s\n", qPrintable(what));
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc == 2 && qstrcmp(argv[1], "--die-with-testpostgres") == 0) {
        auto *pg = new test::TestPostgres; // deliberately never destroyed
        if (!pg->start())
            return fail(pg->error());
        auto params = pg->freshDatabase(false);
        if (!params)
            return fail(params.error().toString());
        std::printf("pid=%lld\ndir=%s\nsocket=%s\n", pg->cluster().serverPid(), qPrintable(pg->dataDir()),
                    qPrintable(params->host));
        std::fflush(stdout);
        std::_Exit(3);
    }
    if (argc != 2)
        return fail(QStringLiteral("usage: embeddedpg_helper DATA_DIR"));
    sql::EmbeddedPostgres::Options options;
    options.dataDir = QString::fromLocal8Bit(argv[1]);
    options.fastUnsafe = true;

    QString out;
    for (int round = 0; round < 2; ++round) {
        sql::EmbeddedPostgres pg(options);
        auto params = pg.start();
        if (!params)
            return fail(params.error().toString());
        if (!pg.ownsServer())
            return fail(QStringLiteral("did not start its own server"));
        {
            sql::DbConnection conn(params.value(), QStringLiteral("helper"));
            if (auto opened = conn.ensureOpen(); !opened)
                return fail(opened.error().toString());
            if (round == 0) {
                out += QStringLiteral("server_uid=%1\n")
                           .arg(QFileInfo(QStringLiteral("/proc/%1").arg(pg.serverPid())).ownerId());
                auto listen = conn.exec(QStringLiteral("SELECT current_setting('listen_addresses')"), {},
                                        QStringLiteral("show"));
                if (!listen || !listen.value()->next())
                    return fail(QStringLiteral("SHOW listen_addresses failed"));
                out += QStringLiteral("listen_addresses=%1\n").arg(listen.value()->value(0).toString());
                if (auto made = conn.execScript(QStringLiteral("CREATE TABLE marker (x int)"),
                                                QStringLiteral("create"));
                    !made)
                    return fail(made.error().toString());
            } else {
                auto marker = conn.exec(QStringLiteral("SELECT to_regclass('marker') IS NOT NULL"), {},
                                        QStringLiteral("check"));
                const bool reused = marker && marker.value()->next() && marker.value()->value(0).toBool();
                out += QStringLiteral("reused=%1\n").arg(reused ? 1 : 0);
            }
        }
        if (auto stopped = pg.stop(); !stopped)
            return fail(stopped.error().toString());
    }
    std::fputs(qPrintable(out), stdout);
    return 0;
}
