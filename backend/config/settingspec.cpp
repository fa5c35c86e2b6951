#include "settingspec.h"

#include <QLocale>
#include <QUrl>

namespace agency::config {

namespace {

QStringList urlSchemes(const SettingSpec &spec)
{
    return spec.schemes.isEmpty() ? QStringList{QStringLiteral("http"), QStringLiteral("https")}
                                  : spec.schemes;
}

const QStringList &booleanWords()
{
    static const QStringList words = {QStringLiteral("true"), QStringLiteral("false"), QStringLiteral("1"),
                                      QStringLiteral("0"),    QStringLiteral("yes"),   QStringLiteral("no"),
                                      QStringLiteral("on"),   QStringLiteral("off")};
    return words;
}

} // namespace

QString SettingSpec::allowed() const
{
    // An empty value always means the default; say so where the default is empty too.
    const QString orEmpty = defaultValue.isEmpty() ? QStringLiteral(" or empty") : QString();
    switch (type) {
    case SettingType::Text:
        return format.isEmpty() ? QStringLiteral("text") : format;
    case SettingType::Integer: {
        // "0–1,000,000,000,000" reads better than a row of zeros.
        const QLocale english(QLocale::English);
        return QStringLiteral("whole number %1–%2").arg(english.toString(minimum), english.toString(maximum));
    }
    case SettingType::Boolean:
        return QStringLiteral("true or false");
    case SettingType::Choice:
        return QStringLiteral("one of %1").arg(choices.join(QStringLiteral(", ")));
    case SettingType::Url: {
        const QStringList s = urlSchemes(*this);
        const QString kind = s == QStringList{QStringLiteral("http"), QStringLiteral("https")}
                                 ? QStringLiteral("http(s)")
                                 : s.first() + QStringLiteral("://");
        return kind + QStringLiteral(" URL") + orEmpty;
    }
    }
    return QStringLiteral("text");
}

bool SettingSpec::accepts(const QString &value) const
{
    switch (type) {
    case SettingType::Text:
        return !check || check(value);
    case SettingType::Integer: {
        bool ok = false;
        const qint64 number = value.toLongLong(&ok);
        return ok && number >= minimum && number <= maximum;
    }
    case SettingType::Boolean:
        return booleanWords().contains(value.toLower());
    case SettingType::Choice:
        return choices.contains(value.toLower());
    case SettingType::Url: {
        const QStringList accepted = urlSchemes(*this);
        if (!accepted.contains(QStringLiteral("http"))) {
            // A PostgreSQL URL may name a percent-encoded socket directory as its host, which QUrl
            // rejects; sql::parseDatabaseUrl parses it fully. The scheme is what is checked here.
            for (const QString &scheme : accepted) {
                if (value.startsWith(scheme + QStringLiteral("://"), Qt::CaseInsensitive))
                    return true;
            }
            return false;
        }
        const QUrl url(value, QUrl::StrictMode);
        return url.isValid() && accepted.contains(url.scheme().toLower()) && !url.host().isEmpty();
    }
    }
    return false;
}

const SettingSpec *findSetting(const QString &key)
{
    for (const SettingSpec &spec : knownSettings()) {
        if (spec.key == key)
            return &spec;
    }
    return nullptr;
}

} // namespace agency::config
