// Every setting is validated once, when the settings are loaded: each type's rule, the one error
// that names the setting, its value (masked when secret), what is allowed and where it came from;
// missing --config / --env-file files; and the typed config built from valid settings.
#include "config/settings.h"
#include "runtime/runtimeconfig.h"
#include "settingsfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using agency::config::Settings;
using agency::config::SettingSpec;
using agency::config::SettingType;
using agency::core::ErrorCode;
namespace test = agency::test;

namespace {

/// The error of loading `inputs`, or a sentinel error when they load (so a QCOMPARE fails).
agency::core::Error loadError(const Settings::Inputs &inputs)
{
    const auto loaded = Settings::load(inputs);
    if (loaded)
        return agency::core::makeError(ErrorCode::Internal, QStringLiteral("<loaded without error>"));
    return loaded.error();
}

agency::core::Error valueError(const QString &key, const QString &value)
{
    Settings::Inputs inputs;
    inputs.environment = {{key, value}};
    return loadError(inputs);
}

} // namespace

class TestSettingValidation : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyDefaultIsValid();
    void integerRange_data();
    void integerRange();
    void choices();
    void urls_data();
    void urls();
    void errorNamesSettingValueAllowedAndSource();
    void errorNamesEachSource();
    void secretValuesAreMasked();
    void missingRequiredFiles();
    void unknownProvider();
    void typedConfigFromSettings();
    void serveConfigFromSettings();

private:
    QTemporaryDir m_dir;
};

void TestSettingValidation::everyDefaultIsValid()
{
    QStringList sections;
    for (const auto &section : agency::config::settingSections())
        sections.append(section.slug);
    for (const SettingSpec &spec : agency::config::knownSettings()) {
        QVERIFY2(spec.defaultValue.isEmpty() || spec.accepts(spec.defaultValue), qPrintable(spec.key));
        QVERIFY2(sections.contains(spec.section), qPrintable(spec.key));
        QVERIFY2(!spec.description.isEmpty(), qPrintable(spec.key));
    }
    QVERIFY(Settings::fromValues({}).ok());
}

void TestSettingValidation::integerRange_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::newRow("pool at minimum") << "AGENCY_DB_POOL_SIZE"
                                     << "1" << true;
    QTest::newRow("pool at maximum") << "AGENCY_DB_POOL_SIZE"
                                     << "256" << true;
    QTest::newRow("pool below") << "AGENCY_DB_POOL_SIZE"
                                << "0" << false;
    QTest::newRow("pool above") << "AGENCY_DB_POOL_SIZE"
                                << "257" << false;
    QTest::newRow("not a number") << "RUN_POLL_MS"
                                  << "soon" << false;
    QTest::newRow("fraction") << "LLM_MAX_ATTEMPTS"
                              << "2.5" << false;
    QTest::newRow("negative limit") << "MISTRAL_RATE_LIMIT_TPH"
                                    << "-3" << false;
    QTest::newRow("zero limit") << "MISTRAL_RATE_LIMIT_TPH"
                                << "0" << true;
    QTest::newRow("huge limit") << "OPENAI_RATE_LIMIT_TPM"
                                << "1000000000001" << false;
    QTest::newRow("padded") << "RUN_WORKERS"
                            << " 7 " << true;
    QTest::newRow("port above") << "PORT"
                                << "65536" << false;
    QTest::newRow("no connections") << "HTTP_MAX_CONNECTIONS"
                                    << "0" << false;
    QTest::newRow("no grace") << "HTTP_SHUTDOWN_GRACE_MS"
                              << "0" << true;
}

void TestSettingValidation::integerRange()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(bool, valid);
    const auto loaded = Settings::fromValues({{key, value}});
    QCOMPARE(loaded.ok(), valid);
    if (!valid) {
        QCOMPARE(loaded.error().code, ErrorCode::InvalidArgument);
        QCOMPARE(loaded.error().details.value(QStringLiteral("setting")).toString(), key);
    }
}

void TestSettingValidation::choices()
{
    QVERIFY(Settings::fromValues({{QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("Postgres")}}).ok());
    QVERIFY(Settings::fromValues({{QStringLiteral("LOG_LEVEL"), QStringLiteral("WARN")}}).ok());
    const auto error = valueError(QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("redis"));
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QVERIFY2(error.message.contains(QStringLiteral("allowed: one of memory, postgres")),
             qPrintable(error.message));
}

void TestSettingValidation::urls_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<bool>("valid");
    QTest::newRow("https") << "OPENAI_BASE_URL"
                           << "https://example.org/v1" << true;
    QTest::newRow("local http") << "OPENAI_BASE_URL"
                                << "http://127.0.0.1:11434/v1" << true;
    QTest::newRow("no scheme") << "OPENAI_BASE_URL"
                               << "localhost:8080" << false;
    QTest::newRow("ftp") << "OPEN_METEO_BASE_URL"
                         << "ftp://example.org" << false;
    QTest::newRow("no host") << "GEMINI_BASE_URL"
                             << "https://" << false;
    QTest::newRow("postgres") << "DATABASE_URL"
                              << "postgresql://u:p@db.example.org/agency" << true;
    QTest::newRow("postgres socket") << "DATABASE_URL"
                                     << "postgres://%2Fvar%2Frun%2Fpostgresql/agency" << true;
    QTest::newRow("mysql") << "DATABASE_URL"
                           << "mysql://u@h/db" << false;
}

void TestSettingValidation::urls()
{
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(bool, valid);
    const auto loaded = Settings::fromValues({{key, value}});
    QVERIFY2(loaded.ok() == valid, loaded.ok() ? "loaded" : qPrintable(loaded.error().message));
}

void TestSettingValidation::errorNamesSettingValueAllowedAndSource()
{
    Settings::Inputs inputs;
    inputs.commandLine = {{QStringLiteral("LLM_MAX_ATTEMPTS"), QStringLiteral("0")}};
    const auto error = loadError(inputs);
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QCOMPARE(error.message, QStringLiteral("LLM_MAX_ATTEMPTS=\"0\" (from the command line) is not valid; "
                                           "allowed: whole number 1–20"));
    QCOMPARE(error.details.value(QStringLiteral("setting")).toString(), QStringLiteral("LLM_MAX_ATTEMPTS"));
    QCOMPARE(error.details.value(QStringLiteral("value")).toString(), QStringLiteral("0"));
    QCOMPARE(error.details.value(QStringLiteral("allowed")).toString(), QStringLiteral("whole number 1–20"));
    QCOMPARE(error.details.value(QStringLiteral("source")).toString(), QStringLiteral("the command line"));
}

void TestSettingValidation::errorNamesEachSource()
{
    QVERIFY(m_dir.isValid());
    const QString config =
        test::writeSettingsFile(m_dir, QStringLiteral("bad.conf"), "WEATHER_CACHE_TTL_S=lots\n");
    const QString dotEnv = test::writeSettingsFile(m_dir, QStringLiteral("bad.env"), "TOOL_TIMEOUT_MS=5\n");
    Settings::Inputs fromConfig;
    fromConfig.configFilePath = config;
    QVERIFY2(loadError(fromConfig).message.contains(QStringLiteral("(from the config file %1)").arg(config)),
             qPrintable(loadError(fromConfig).message));
    Settings::Inputs fromDotEnv;
    fromDotEnv.dotEnvPath = dotEnv;
    QVERIFY2(loadError(fromDotEnv).message.contains(QStringLiteral("(from the .env file %1)").arg(dotEnv)),
             qPrintable(loadError(fromDotEnv).message));
    const auto fromEnvironment = valueError(QStringLiteral("RUN_LEASE_S"), QStringLiteral("1"));
    QVERIFY2(fromEnvironment.message.contains(QStringLiteral("(from the environment)")),
             qPrintable(fromEnvironment.message));
    // A later source that fixes the value wins: only the effective value is checked.
    Settings::Inputs fixed = fromConfig;
    fixed.environment = {{QStringLiteral("WEATHER_CACHE_TTL_S"), QStringLiteral("60")}};
    QVERIFY(Settings::load(fixed).ok());
}

void TestSettingValidation::secretValuesAreMasked()
{
    const auto error =
        valueError(QStringLiteral("DATABASE_URL"), QStringLiteral("mysql://me:hunter2secret@h/db"));
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QVERIFY2(error.message.startsWith(QStringLiteral("DATABASE_URL=")), qPrintable(error.message));
    QVERIFY2(!error.message.contains(QStringLiteral("hunter2")), qPrintable(error.message));
    QVERIFY(!error.details.value(QStringLiteral("value")).toString().contains(QStringLiteral("hunter2")));
}

void TestSettingValidation::missingRequiredFiles()
{
    Settings::Inputs optional;
    optional.configFilePath = m_dir.filePath(QStringLiteral("absent.conf"));
    optional.dotEnvPath = m_dir.filePath(QStringLiteral("absent.env"));
    QVERIFY(Settings::load(optional).ok()); // the default locations may well not exist

    Settings::Inputs config = optional;
    config.configFileRequired = true;
    const auto noConfig = loadError(config);
    QCOMPARE(noConfig.code, ErrorCode::InvalidArgument);
    QCOMPARE(noConfig.message, QStringLiteral("--config %1: no such file").arg(optional.configFilePath));

    Settings::Inputs dotEnv = optional;
    dotEnv.dotEnvRequired = true;
    const auto noDotEnv = loadError(dotEnv);
    QCOMPARE(noDotEnv.code, ErrorCode::InvalidArgument);
    QCOMPARE(noDotEnv.message, QStringLiteral("--env-file %1: no such file").arg(optional.dotEnvPath));
}

void TestSettingValidation::unknownProvider()
{
    const auto error = valueError(QStringLiteral("LLM_PROVIDER"), QStringLiteral("claude"));
    QCOMPARE(error.code, ErrorCode::InvalidArgument);
    QCOMPARE(error.message,
             QStringLiteral("LLM_PROVIDER=\"claude\" (from the environment) is not valid; allowed: "
                            "one of demo, openai, mistral, vertex, gemini"));
}

void TestSettingValidation::typedConfigFromSettings()
{
    const auto config = agency::runtime::RuntimeConfig::fromValues(
        {{QStringLiteral("AGENCY_DB_POOL_SIZE"), QStringLiteral("9")},
         {QStringLiteral("LLM_PROVIDER"), QStringLiteral("Mistral")},
         {QStringLiteral("LLM_TIMEOUT_TOTAL_MS"), QStringLiteral("1234")},
         {QStringLiteral("RATE_LIMIT_BACKEND"), QStringLiteral("postgres")},
         {QStringLiteral("RATE_LIMIT_OVERRIDE_CACHE_S"), QStringLiteral("5")},
         {QStringLiteral("GEMINI_RATE_LIMIT_TPM"), QStringLiteral("77")},
         {QStringLiteral("GOOGLE_TOKEN_URL"), QStringLiteral("https://tokens.example.org/token")},
         {QStringLiteral("RUN_WORKERS"), QStringLiteral("0")}});
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().message));
    QCOMPARE(config->database.poolSize, 9);
    QCOMPARE(config->providers.defaultProvider, QStringLiteral("mistral"));
    QCOMPARE(config->providers.timeouts.totalMs, qint64{1234});
    QVERIFY(config->providers.vertex.tokenUrlExplicit);
    QCOMPARE(config->rateLimits.backend, agency::ratelimit::RateLimitConfig::Backend::Postgres);
    QCOMPARE(config->rateLimits.overrideCacheMs, qint64{5000});
    QCOMPARE(config->rateLimits.providerDefaults.value(QStringLiteral("gemini")).tokensPerMinute, qint64{77});
    QCOMPARE(config->rateLimits.providerDefaults.value(QStringLiteral("demo")).tokensPerHour,
             qint64{60'000'000});
    QCOMPARE(config->runs.slots, 0);
    const auto defaults = agency::runtime::RuntimeConfig::fromValues({});
    QVERIFY(defaults.ok());
    QVERIFY(!defaults->providers.vertex.tokenUrlExplicit);
}

// Every HOST, PORT and HTTP_* setting lands in its own field of the server's config (distinct values,
// so two fields filled from one setting show).
void TestSettingValidation::serveConfigFromSettings()
{
    const auto config = agency::runtime::RuntimeConfig::fromValues({
        {QStringLiteral("HOST"), QStringLiteral(" 0.0.0.0 ")},
        {QStringLiteral("PORT"), QStringLiteral("0")},
        {QStringLiteral("HTTP_MAX_BODY_BYTES"), QStringLiteral("2048")},
        {QStringLiteral("HTTP_MAX_HEADER_BYTES"), QStringLiteral("4096")},
        {QStringLiteral("HTTP_MAX_CONNECTIONS"), QStringLiteral("7")},
        {QStringLiteral("HTTP_MAX_CONNECTIONS_PER_CLIENT"), QStringLiteral("5")},
        {QStringLiteral("HTTP_IDLE_TIMEOUT_MS"), QStringLiteral("1001")},
        {QStringLiteral("HTTP_HEADER_TIMEOUT_MS"), QStringLiteral("1006")},
        {QStringLiteral("HTTP_REQUEST_TIMEOUT_MS"), QStringLiteral("1002")},
        {QStringLiteral("HTTP_TURN_DEADLINE_MS"), QStringLiteral("1003")},
        {QStringLiteral("HTTP_SHUTDOWN_GRACE_MS"), QStringLiteral("1004")},
        {QStringLiteral("HTTP_AUTH_FAIL_LIMIT"), QStringLiteral("3")},
        {QStringLiteral("HTTP_AUTH_BAN_MS"), QStringLiteral("1005")},
    });
    QVERIFY2(config.ok(), config.ok() ? "" : qPrintable(config.error().message));
    const agency::runtime::ServeConfig &serve = config->serve;
    QCOMPARE(serve.host, QStringLiteral("0.0.0.0"));
    QCOMPARE(serve.port, quint16{0});
    QCOMPARE(serve.server.maxBodyBytes, qint64{2048});
    QCOMPARE(serve.server.maxHeaderBytes, 4096);
    QCOMPARE(serve.server.maxConnections, 7);
    QCOMPARE(serve.server.maxConnectionsPerClient, 5);
    QCOMPARE(serve.server.idleTimeoutMs, 1001);
    QCOMPARE(serve.server.headerTimeoutMs, 1006);
    QCOMPARE(serve.server.requestTimeoutMs, 1002);
    QCOMPARE(serve.server.turnDeadlineMs, 1003);
    QCOMPARE(serve.server.shutdownGraceMs, 1004);
    QCOMPARE(serve.server.authFailLimit, 3);
    QCOMPARE(serve.server.authBanMs, 1005);
    // Not settings: the program decides them (serve --no-auth, its access log).
    QVERIFY(serve.server.authRequired);
    QVERIFY(!serve.server.accessLog);

    const auto defaults = agency::runtime::RuntimeConfig::fromValues({});
    QVERIFY(defaults.ok());
    QCOMPARE(defaults->serve.host, QStringLiteral("127.0.0.1"));
    QCOMPARE(defaults->serve.port, quint16{8080});
    QCOMPARE(defaults->serve.server.maxBodyBytes, qint64{4 * 1024 * 1024});
}

QTEST_GUILESS_MAIN(TestSettingValidation)
#include "test_settingvalidation.moc"
