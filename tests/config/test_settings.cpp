// Layered settings (docs/design.md#configuration): defaults < config file < .env < environment < command
// line, the .env parser, typed values, masking of secrets, unknown keys. Validation: test_settingvalidation.
#include "config/settings.h"
#include "settingsfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using agency::config::Settings;
using agency::config::Source;
using agency::core::ErrorCode;
namespace test = agency::test;

// Qt 6.4's QVERIFY2 evaluates its message even on success; error() of a good Result<T> throws.
#define VERIFY_OK(result)                                                                                    \
    QVERIFY2((result).ok(), (result).ok() ? "" : qPrintable((result).error().toString()))

namespace {

QString describedValue(const Settings &settings, const QString &key)
{
    for (const auto &[k, v, source] : settings.describe()) {
        if (k == key)
            return v;
    }
    return QStringLiteral("<absent>");
}

} // namespace

class TestSettings : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void layeringOrderAndSources();
    void missingFilesAreSkipped();
    void envFileSyntax();
    void envFileQuotedValueWithComment();
    void envFileBadLineNamesFileAndLine();
    void malformedFileFailsLoad();
    void unreadableEnvFile();
    void typedValues();
    void emptyMeansDefault();
    void booleanValues();
    void maskHidesSecrets();
    void maskDatabaseUrl_data();
    void maskDatabaseUrl();
    void describeMasksSecrets();
    void unknownKeys();
    void withOverrides();

private:
    QTemporaryDir m_dir;
};

void TestSettings::layeringOrderAndSources()
{
    QVERIFY(m_dir.isValid());
    // Each key is set by every source up to the one that must win, so a wrong order shows.
    const QString config = test::writeSettingsFile(m_dir, QStringLiteral("layer.conf"),
                                                   "LLM_MODEL=from-config\n"
                                                   "OPENAI_MODEL=from-config\n"
                                                   "MISTRAL_MODEL=from-config\n"
                                                   "VERTEX_AI_MODEL=from-config\n");
    const QString dotEnv = test::writeSettingsFile(m_dir, QStringLiteral("layer.env"),
                                                   "OPENAI_MODEL=from-dotenv\n"
                                                   "MISTRAL_MODEL=from-dotenv\n"
                                                   "VERTEX_AI_MODEL=from-dotenv\n");
    QVERIFY(!config.isEmpty() && !dotEnv.isEmpty());

    Settings::Inputs inputs;
    inputs.configFilePath = config;
    inputs.dotEnvPath = dotEnv;
    inputs.environment = {{QStringLiteral("MISTRAL_MODEL"), QStringLiteral("from-env")},
                          {QStringLiteral("VERTEX_AI_MODEL"), QStringLiteral("from-env")}};
    inputs.commandLine = {{QStringLiteral("VERTEX_AI_MODEL"), QStringLiteral("from-cli")}};
    auto loaded = Settings::load(inputs);
    VERIFY_OK(loaded);
    const Settings &s = loaded.value();

    QCOMPARE(s.value(QStringLiteral("LOG_LEVEL")), QStringLiteral("info"));
    QCOMPARE(s.source(QStringLiteral("LOG_LEVEL")), Source::Default);
    QCOMPARE(s.value(QStringLiteral("LLM_MODEL")), QStringLiteral("from-config"));
    QCOMPARE(s.source(QStringLiteral("LLM_MODEL")), Source::ConfigFile);
    QCOMPARE(s.value(QStringLiteral("OPENAI_MODEL")), QStringLiteral("from-dotenv"));
    QCOMPARE(s.source(QStringLiteral("OPENAI_MODEL")), Source::DotEnv);
    QCOMPARE(s.value(QStringLiteral("MISTRAL_MODEL")), QStringLiteral("from-env"));
    QCOMPARE(s.source(QStringLiteral("MISTRAL_MODEL")), Source::Environment);
    QCOMPARE(s.value(QStringLiteral("VERTEX_AI_MODEL")), QStringLiteral("from-cli"));
    QCOMPARE(s.source(QStringLiteral("VERTEX_AI_MODEL")), Source::CommandLine);

    // describe() reports the same sources, in the spec table's order.
    const auto rows = s.describe();
    QVERIFY(!rows.isEmpty());
    QCOMPARE(std::get<0>(rows.first()), QStringLiteral("DATABASE_URL"));
    bool seen = false;
    for (const auto &[key, value, source] : rows) {
        if (key == QLatin1String("OPENAI_MODEL")) {
            QCOMPARE(value, QStringLiteral("from-dotenv"));
            QCOMPARE(source, Source::DotEnv);
            seen = true;
        }
    }
    QVERIFY(seen);

    QCOMPARE(agency::config::sourceName(Source::Default), QStringLiteral("default"));
    QCOMPARE(agency::config::sourceName(Source::ConfigFile), QStringLiteral("config file"));
    QCOMPARE(agency::config::sourceName(Source::DotEnv), QStringLiteral(".env"));
    QCOMPARE(agency::config::sourceName(Source::Environment), QStringLiteral("environment"));
    QCOMPARE(agency::config::sourceName(Source::CommandLine), QStringLiteral("command line"));
}

void TestSettings::missingFilesAreSkipped()
{
    Settings::Inputs inputs;
    inputs.configFilePath = m_dir.filePath(QStringLiteral("does-not-exist.conf"));
    inputs.dotEnvPath = m_dir.filePath(QStringLiteral("does-not-exist.env"));
    auto loaded = Settings::load(inputs);
    VERIFY_OK(loaded);
    QCOMPARE(loaded->value(QStringLiteral("AGENCY_DB_POOL_SIZE")), QStringLiteral("4"));
    QCOMPARE(loaded->source(QStringLiteral("AGENCY_DB_POOL_SIZE")), Source::Default);
}

void TestSettings::envFileSyntax()
{
    const QString path = test::writeSettingsFile(m_dir, QStringLiteral("syntax.env"),
                                                 "# a comment line\n"
                                                 "\n"
                                                 "   # indented comment\n"
                                                 "PLAIN=value\n"
                                                 "export EXPORTED=yes\n"
                                                 "DOUBLE=\"two words\"\n"
                                                 "SINGLE='it''s # not a comment'\n"
                                                 "HASH_INSIDE=\"a # b\"\n"
                                                 "TRAILING=abc # trailing comment\n"
                                                 "NOSPACE_HASH=abc#def\n"
                                                 "  SPACED  =  padded  \n"
                                                 "EMPTY=\n"
                                                 "EQUALS=a=b=c\n"
                                                 "URL=postgresql://u:p@h/db?x=1\n");
    auto parsed = Settings::parseEnvFile(path);
    VERIFY_OK(parsed);
    const auto &v = parsed.value();
    QCOMPARE(v.value(QStringLiteral("PLAIN")), QStringLiteral("value"));
    QCOMPARE(v.value(QStringLiteral("EXPORTED")), QStringLiteral("yes"));
    QVERIFY(!v.contains(QStringLiteral("export EXPORTED")));
    QCOMPARE(v.value(QStringLiteral("DOUBLE")), QStringLiteral("two words"));
    QCOMPARE(v.value(QStringLiteral("SINGLE")), QStringLiteral("it''s # not a comment"));
    QCOMPARE(v.value(QStringLiteral("HASH_INSIDE")), QStringLiteral("a # b"));
    QCOMPARE(v.value(QStringLiteral("TRAILING")), QStringLiteral("abc"));
    QCOMPARE(v.value(QStringLiteral("NOSPACE_HASH")), QStringLiteral("abc#def"));
    QCOMPARE(v.value(QStringLiteral("SPACED")), QStringLiteral("padded"));
    QVERIFY(v.contains(QStringLiteral("EMPTY")));
    QCOMPARE(v.value(QStringLiteral("EMPTY")), QString());
    QCOMPARE(v.value(QStringLiteral("EQUALS")), QStringLiteral("a=b=c"));
    QCOMPARE(v.value(QStringLiteral("URL")), QStringLiteral("postgresql://u:p@h/db?x=1"));
    QCOMPARE(v.size(), 11);
}

void TestSettings::envFileQuotedValueWithComment()
{
    // The common dotenv form KEY="value" # comment: the quotes and the comment both go.
    const QString path = test::writeSettingsFile(m_dir, QStringLiteral("quoted-comment.env"),
                                                 "A=\"quoted value\" # why it is set\n"
                                                 "B='single' # note\n");
    auto parsed = Settings::parseEnvFile(path);
    VERIFY_OK(parsed);
    QCOMPARE(parsed->value(QStringLiteral("A")), QStringLiteral("quoted value"));
    QCOMPARE(parsed->value(QStringLiteral("B")), QStringLiteral("single"));
}

void TestSettings::envFileBadLineNamesFileAndLine()
{
    const QString path = test::writeSettingsFile(m_dir, QStringLiteral("bad.env"),
                                                 "GOOD=1\n"
                                                 "# comment\n"
                                                 "this line has no equals sign\n"
                                                 "LATER=2\n");
    auto parsed = Settings::parseEnvFile(path);
    QVERIFY(!parsed.ok());
    QCOMPARE(parsed.error().code, ErrorCode::InvalidArgument); // a configuration error, exit code 2
    QVERIFY2(parsed.error().message.contains(path + QStringLiteral(":3")),
             qPrintable(parsed.error().message));

    for (const QByteArray &bad : {QByteArray("=value\n"), QByteArray("TWO WORDS=x\n")}) {
        const QString p = test::writeSettingsFile(m_dir, QStringLiteral("bad2.env"), "OK=1\n" + bad);
        auto again = Settings::parseEnvFile(p);
        QVERIFY2(!again.ok(), bad.constData());
        QVERIFY2(again.error().message.contains(p + QStringLiteral(":2")), qPrintable(again.error().message));
    }
}

void TestSettings::malformedFileFailsLoad()
{
    const QString bad =
        test::writeSettingsFile(m_dir, QStringLiteral("malformed.conf"), "LOG_LEVEL=debug\nnonsense\n");
    Settings::Inputs inputs;
    inputs.configFilePath = bad;
    auto loaded = Settings::load(inputs);
    QVERIFY(!loaded.ok());
    QVERIFY2(loaded.error().message.contains(bad + QStringLiteral(":2")), qPrintable(loaded.error().message));

    Settings::Inputs viaDotEnv;
    viaDotEnv.dotEnvPath = bad;
    QVERIFY(!Settings::load(viaDotEnv).ok());
}

void TestSettings::unreadableEnvFile()
{
    auto parsed = Settings::parseEnvFile(m_dir.filePath(QStringLiteral("nope.env")));
    QVERIFY(!parsed.ok());
    QVERIFY(parsed.error().message.contains(QStringLiteral("nope.env")));
}

void TestSettings::typedValues()
{
    const auto defaults = Settings::fromValues({});
    VERIFY_OK(defaults);
    QCOMPARE(defaults->integer(QStringLiteral("AGENCY_DB_POOL_SIZE")), qint64{4});
    QCOMPARE(defaults->url(QStringLiteral("OPENAI_BASE_URL")),
             QUrl(QStringLiteral("https://api.openai.com/v1")));
    QVERIFY(defaults->url(QStringLiteral("VERTEX_AI_BASE_URL")).isEmpty());

    const auto set = Settings::fromValues({{QStringLiteral("AGENCY_DB_POOL_SIZE"), QStringLiteral(" 12 ")},
                                           {QStringLiteral("LLM_PROVIDER"), QStringLiteral(" OpenAI ")},
                                           {QStringLiteral("OPENAI_MODEL"), QStringLiteral(" gpt-x ")}});
    VERIFY_OK(set);
    QCOMPARE(set->integer(QStringLiteral("AGENCY_DB_POOL_SIZE")), qint64{12});
    QCOMPARE(set->intValue(QStringLiteral("AGENCY_DB_POOL_SIZE")), 12);
    // Choices come back in lower case; text is trimmed; value() stays raw.
    QCOMPARE(set->text(QStringLiteral("LLM_PROVIDER")), QStringLiteral("openai"));
    QCOMPARE(set->text(QStringLiteral("OPENAI_MODEL")), QStringLiteral("gpt-x"));
    QCOMPARE(set->value(QStringLiteral("OPENAI_MODEL")), QStringLiteral(" gpt-x "));

    const auto bad =
        Settings::fromValues({{QStringLiteral("OPENAI_RATE_LIMIT_TPM"), QStringLiteral("lots")}});
    QVERIFY(!bad.ok());
    QCOMPARE(bad.error().code, ErrorCode::InvalidArgument);
    QVERIFY2(bad.error().message.contains(QStringLiteral("OPENAI_RATE_LIMIT_TPM")),
             qPrintable(bad.error().message));
    QVERIFY(bad.error().message.contains(QStringLiteral("lots")));
    QCOMPARE(bad.error().details.value(QStringLiteral("setting")).toString(),
             QStringLiteral("OPENAI_RATE_LIMIT_TPM"));
}

void TestSettings::emptyMeansDefault()
{
    // `AGENCY_DB_POOL_SIZE=` in a .env (or an empty variable) leaves the setting unset, whatever its type.
    const auto empty = Settings::fromValues({{QStringLiteral("AGENCY_DB_POOL_SIZE"), QString()},
                                             {QStringLiteral("LLM_PROVIDER"), QStringLiteral("  ")},
                                             {QStringLiteral("OPEN_METEO_BASE_URL"), QString()}});
    VERIFY_OK(empty);
    QCOMPARE(empty->integer(QStringLiteral("AGENCY_DB_POOL_SIZE")), qint64{4});
    QCOMPARE(empty->text(QStringLiteral("LLM_PROVIDER")), QStringLiteral("demo"));
    QCOMPARE(empty->url(QStringLiteral("OPEN_METEO_BASE_URL")),
             QUrl(QStringLiteral("https://api.open-meteo.com/v1")));
    QVERIFY(!empty->isSet(QStringLiteral("OPENAI_API_KEY")));
}

void TestSettings::booleanValues()
{
    // No shipped setting is a Boolean yet; the type is checked on a spec of its own.
    agency::config::SettingSpec spec;
    spec.key = QStringLiteral("SOME_SWITCH");
    spec.type = agency::config::SettingType::Boolean;
    for (const char *yes : {"1", "true", "TRUE", "yes", "on", "On"})
        QVERIFY2(spec.accepts(QLatin1String(yes)), yes);
    for (const char *no : {"0", "false", "no", "off", "OFF"})
        QVERIFY2(spec.accepts(QLatin1String(no)), no);
    for (const char *bad : {"maybe", "2", "yess"})
        QVERIFY2(!spec.accepts(QLatin1String(bad)), bad);
    QCOMPARE(spec.allowed(), QStringLiteral("true or false"));
}

void TestSettings::maskHidesSecrets()
{
    QCOMPARE(Settings::mask(QString()), QString());
    const QString longKey = QStringLiteral("sk-abcdefghijklmnopqrstuvwxyz0123456789");
    const QString masked = Settings::mask(longKey);
    QVERIFY(masked.startsWith(QStringLiteral("sk-a")));
    QVERIFY(!masked.contains(QStringLiteral("sk-ab")));
    QVERIFY(!masked.contains(QStringLiteral("xyz")));
    // Short secrets reveal nothing at all.
    const QString shortMasked = Settings::mask(QStringLiteral("hunter2"));
    QVERIFY(!shortMasked.contains(u'h'));
    QVERIFY(!shortMasked.isEmpty());

    QVERIFY(Settings::isSecret(QStringLiteral("OPENAI_API_KEY")));
    QVERIFY(Settings::isSecret(QStringLiteral("DATABASE_URL")));
    QVERIFY(Settings::isSecret(QStringLiteral("VERTEX_AI_ACCESS_TOKEN")));
    QVERIFY(!Settings::isSecret(QStringLiteral("OPENAI_MODEL")));
    // Unknown keys are judged by their name.
    QVERIFY(Settings::isSecret(QStringLiteral("SOMETHING_API_KEY")));
    QVERIFY(Settings::isSecret(QStringLiteral("MY_PASSWORD_FILE")));
    QVERIFY(Settings::isSecret(QStringLiteral("CLIENT_SECRET")));
    QVERIFY(!Settings::isSecret(QStringLiteral("SOMETHING_ELSE")));
}

void TestSettings::maskDatabaseUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("secret");
    QTest::addColumn<QString>("mustKeep");
    QTest::newRow("userinfo") << QStringLiteral("postgresql://agency:s3cretpw@db.example:5433/agency")
                              << QStringLiteral("s3cretpw") << QStringLiteral("db.example:5433/agency");
    QTest::newRow("encoded") << QStringLiteral("postgresql://agency:p%40ss%2Fw0rd@db/agency")
                             << QStringLiteral("p%40ss") << QStringLiteral("@db/agency");
    QTest::newRow("raw @ in password") << QStringLiteral("postgres://agency:pa@ss@db/agency")
                                       << QStringLiteral("ss@") << QStringLiteral("@db/agency");
    QTest::newRow("query password")
        << QStringLiteral("postgresql:///agency?host=/run/pg&password=querysecret&user=agency")
        << QStringLiteral("querysecret") << QStringLiteral("user=agency");
}

void TestSettings::maskDatabaseUrl()
{
    QFETCH(QString, url);
    QFETCH(QString, secret);
    QFETCH(QString, mustKeep);
    const QString masked = Settings::mask(url);
    QVERIFY2(!masked.contains(secret), qPrintable(masked));
    QVERIFY2(masked.contains(mustKeep), qPrintable(masked));
    QVERIFY2(masked.contains(QStringLiteral("agency")), qPrintable(masked)); // user stays visible
}

void TestSettings::describeMasksSecrets()
{
    const auto loaded = Settings::fromValues(
        {{QStringLiteral("OPENAI_API_KEY"), QStringLiteral("sk-proj-abcdefghijklmnopqrstuvwxyz")},
         {QStringLiteral("DATABASE_URL"), QStringLiteral("postgresql://me:topsecret@localhost/agency")},
         {QStringLiteral("OPENAI_MODEL"), QStringLiteral("gpt-test")}});
    VERIFY_OK(loaded);
    const Settings &s = loaded.value();
    const QString key = describedValue(s, QStringLiteral("OPENAI_API_KEY"));
    QVERIFY2(key.startsWith(QStringLiteral("sk-p")) && !key.contains(QStringLiteral("abcdef")),
             qPrintable(key));
    const QString url = describedValue(s, QStringLiteral("DATABASE_URL"));
    QVERIFY2(!url.contains(QStringLiteral("topsecret")), qPrintable(url));
    QVERIFY2(url.contains(QStringLiteral("me:")) && url.contains(QStringLiteral("@localhost/agency")),
             qPrintable(url));
    QCOMPARE(describedValue(s, QStringLiteral("OPENAI_MODEL")), QStringLiteral("gpt-test"));
    // value() itself is never masked: the program needs the real key.
    QCOMPARE(s.value(QStringLiteral("OPENAI_API_KEY")), QStringLiteral("sk-proj-abcdefghijklmnopqrstuvwxyz"));
}

void TestSettings::unknownKeys()
{
    const QString config =
        test::writeSettingsFile(m_dir, QStringLiteral("unknown.conf"), "FROM_CONFIG_UNKNOWN=1\n");
    const QString dotEnv =
        test::writeSettingsFile(m_dir, QStringLiteral("unknown.env"), "FROM_DOTENV_UNKNOWN=1\n");
    Settings::Inputs inputs;
    inputs.configFilePath = config;
    inputs.dotEnvPath = dotEnv;
    inputs.environment = {{QStringLiteral("PATH"), QStringLiteral("/usr/bin")},
                          {QStringLiteral("HOME"), QStringLiteral("/root")}};
    auto loaded = Settings::load(inputs);
    VERIFY_OK(loaded);
    const Settings &s = loaded.value();

    // Files and the environment hold other programs' variables too: ignored.
    QCOMPARE(s.value(QStringLiteral("PATH")), QString());
    QCOMPARE(s.value(QStringLiteral("FROM_CONFIG_UNKNOWN")), QString());
    QCOMPARE(s.value(QStringLiteral("FROM_DOTENV_UNKNOWN")), QString());
    QStringList keys;
    for (const auto &[key, value, source] : s.describe())
        keys.append(key);
    QVERIFY(!keys.contains(QStringLiteral("PATH")));
    QVERIFY(!keys.contains(QStringLiteral("HOME")));
    QVERIFY(!keys.contains(QStringLiteral("FROM_DOTENV_UNKNOWN")));
    QCOMPARE(keys.count(QStringLiteral("LOG_LEVEL")), 1);

    // On the command line a key is a deliberate choice: an unknown one is a mistake, named.
    inputs.commandLine = {{QStringLiteral("OPENAI_MODLE"), QStringLiteral("gpt-x")}};
    const auto typo = Settings::load(inputs);
    QVERIFY(!typo.ok());
    QCOMPARE(typo.error().code, ErrorCode::InvalidArgument);
    QVERIFY2(typo.error().message.contains(QStringLiteral("unknown setting OPENAI_MODLE")),
             qPrintable(typo.error().message));
}

void TestSettings::withOverrides()
{
    const auto base = Settings::fromValues({{QStringLiteral("LOG_LEVEL"), QStringLiteral("debug")}});
    VERIFY_OK(base);
    const auto changed = base->with(QStringLiteral("LOG_LEVEL"), QStringLiteral("error"));
    VERIFY_OK(changed);
    QCOMPARE(base->value(QStringLiteral("LOG_LEVEL")), QStringLiteral("debug"));
    QCOMPARE(base->source(QStringLiteral("LOG_LEVEL")), Source::Environment);
    QCOMPARE(changed->value(QStringLiteral("LOG_LEVEL")), QStringLiteral("error"));
    QCOMPARE(changed->source(QStringLiteral("LOG_LEVEL")), Source::CommandLine);
    // An override is validated like any other value.
    QCOMPARE(base->with(QStringLiteral("LOG_LEVEL"), QStringLiteral("loud")).error().code,
             ErrorCode::InvalidArgument);
    QCOMPARE(base->with(QStringLiteral("NO_SUCH_SETTING"), QStringLiteral("1")).error().code,
             ErrorCode::InvalidArgument);
}

QTEST_GUILESS_MAIN(TestSettings)
#include "test_settings.moc"
