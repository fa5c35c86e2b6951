#include "clirunner.h"

#include "config/settings.h"

#include <QDir>
#include <QRegularExpression>
#include <QTest>

namespace agency::test {

QUuid CliRun::conversation() const
{
    static const QRegularExpression pattern(QStringLiteral("conversation: ([0-9a-f-]{36})"));
    const auto match = pattern.match(err);
    return match.hasMatch() ? QUuid::fromString(match.captured(1)) : QUuid();
}

CliRunner::CliRunner(QString program, QString workDir, QStringList globalArgs)
    : m_program(std::move(program)), m_workDir(std::move(workDir)), m_globalArgs(std::move(globalArgs))
{
}

bool CliRunner::start(QProcess &process, const QStringList &args) const
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const auto &spec : config::knownSettings())
        environment.remove(spec.key);
    const QString configHome = m_workDir + QStringLiteral("/config");
    QDir().mkpath(configHome);
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), configHome);
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(m_workDir);
    process.start(m_program, m_globalArgs + args);
    return QTest::qWaitFor([&process] { return process.state() != QProcess::Starting; }, 10000) &&
           process.state() == QProcess::Running;
}

CliRun CliRunner::finish(QProcess &process, int timeoutMs)
{
    CliRun result;
    if (!QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, timeoutMs)) {
        process.kill();
        (void)QTest::qWaitFor([&process] { return process.state() == QProcess::NotRunning; }, 5000);
        result.err = QStringLiteral("timed out\n") + QString::fromUtf8(process.readAllStandardError());
        return result;
    }
    result.crashed = process.exitStatus() != QProcess::NormalExit;
    result.exitCode = process.exitCode();
    result.out = QString::fromUtf8(process.readAllStandardOutput());
    result.err = QString::fromUtf8(process.readAllStandardError());
    return result;
}

CliRun CliRunner::run(const QStringList &args, const QByteArray &input, int timeoutMs) const
{
    QProcess process;
    if (!start(process, args)) {
        CliRun failed;
        failed.err = process.errorString();
        return failed;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    return finish(process, timeoutMs);
}

bool CliDatabase::start()
{
    if (!m_pg.start()) {
        m_error = m_pg.error();
        return false;
    }
    auto params = m_pg.freshDatabase();
    if (!params) {
        m_error = params.error().toString();
        return false;
    }
    m_params = params.value();
    m_executor = std::make_unique<sql::DbExecutor>(m_params, 1);
    return true;
}

QString CliDatabase::url() const
{
    return QStringLiteral("postgresql:///%1?host=%2&user=%3")
        .arg(m_params.database, m_params.host, m_params.user);
}

} // namespace agency::test
