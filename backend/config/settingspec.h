#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace agency::config {

/// What kind of value a setting holds. Decides how it is validated at start-up and which typed
/// accessor of Settings reads it.
enum class SettingType {
    Text,    ///< any text (names, paths, hosts, keys)
    Integer, ///< a whole number within [minimum, maximum]
    Boolean, ///< true/false, 1/0, yes/no, on/off (any case)
    Choice,  ///< one of `choices` (any case; read back in lower case)
    Url,     ///< an absolute URL with one of `schemes` (and a host, for http/https)
};

/// A setting the program knows about: its name, default, type and range, whether it is a secret
/// (masked in `config show` and error messages, never logged), the README section it belongs to
/// and a one-line description. An empty value always means "unset": the default applies.
struct SettingSpec
{
    QString key;
    QString defaultValue;
    QString description;
    QString section; ///< group slug, see settingSections()
    SettingType type = SettingType::Text;
    bool secret = false;
    qint64 minimum = 0;  ///< Integer only
    qint64 maximum = 0;  ///< Integer only
    QStringList choices; ///< Choice only, lower case
    QStringList schemes; ///< Url only; empty means http and https
    /// Text only: a syntax check (true: acceptable) and its phrase for allowed(), e.g. a route.
    bool (*check)(const QString &value) = nullptr;
    QString format;

    /// What the setting accepts, as a short phrase: "whole number 1–20", "one of memory, postgres",
    /// "http(s) URL". Used in error messages and in the README's tables.
    QString allowed() const;
    /// Whether `value` (already trimmed, not empty) is acceptable.
    bool accepts(const QString &value) const;
};

/// A group of settings documented together (a table in the README).
struct SettingSection
{
    QString slug;  ///< for `config show --markdown --section SLUG`
    QString title; ///< human title
};

/// The table of every known setting, in documentation order (settingspecs.cpp).
const QList<SettingSpec> &knownSettings();
/// The sections, in documentation order; every spec belongs to exactly one of them.
const QList<SettingSection> &settingSections();
/// The spec of `key`, or nullptr for an unknown key.
const SettingSpec *findSetting(const QString &key);

} // namespace agency::config
