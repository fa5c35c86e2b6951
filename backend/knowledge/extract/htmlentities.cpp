#include "htmlentities.h"

#include <QHash>

namespace agency::knowledge::detail {
namespace {

// The named references that occur in real documents; the full HTML list has over 2,000.
const QHash<QString, char32_t> &namedEntities()
{
    static const QHash<QString, char32_t> entities = {
        {QStringLiteral("amp"), U'&'},      {QStringLiteral("lt"), U'<'},
        {QStringLiteral("gt"), U'>'},       {QStringLiteral("quot"), U'"'},
        {QStringLiteral("apos"), U'\''},    {QStringLiteral("nbsp"), 0xA0},
        {QStringLiteral("copy"), 0xA9},     {QStringLiteral("reg"), 0xAE},
        {QStringLiteral("trade"), 0x2122},  {QStringLiteral("mdash"), 0x2014},
        {QStringLiteral("ndash"), 0x2013},  {QStringLiteral("hellip"), 0x2026},
        {QStringLiteral("lsquo"), 0x2018},  {QStringLiteral("rsquo"), 0x2019},
        {QStringLiteral("ldquo"), 0x201C},  {QStringLiteral("rdquo"), 0x201D},
        {QStringLiteral("laquo"), 0xAB},    {QStringLiteral("raquo"), 0xBB},
        {QStringLiteral("bull"), 0x2022},   {QStringLiteral("middot"), 0xB7},
        {QStringLiteral("euro"), 0x20AC},   {QStringLiteral("pound"), 0xA3},
        {QStringLiteral("yen"), 0xA5},      {QStringLiteral("cent"), 0xA2},
        {QStringLiteral("sect"), 0xA7},     {QStringLiteral("para"), 0xB6},
        {QStringLiteral("deg"), 0xB0},      {QStringLiteral("plusmn"), 0xB1},
        {QStringLiteral("times"), 0xD7},    {QStringLiteral("divide"), 0xF7},
        {QStringLiteral("frac12"), 0xBD},   {QStringLiteral("frac14"), 0xBC},
        {QStringLiteral("frac34"), 0xBE},   {QStringLiteral("shy"), 0xAD},
        {QStringLiteral("iexcl"), 0xA1},    {QStringLiteral("iquest"), 0xBF},
        {QStringLiteral("larr"), 0x2190},   {QStringLiteral("rarr"), 0x2192},
        {QStringLiteral("uarr"), 0x2191},   {QStringLiteral("darr"), 0x2193},
        {QStringLiteral("le"), 0x2264},     {QStringLiteral("ge"), 0x2265},
        {QStringLiteral("ne"), 0x2260},     {QStringLiteral("asymp"), 0x2248},
        {QStringLiteral("infin"), 0x221E},  {QStringLiteral("micro"), 0xB5},
        {QStringLiteral("ensp"), 0x2002},   {QStringLiteral("emsp"), 0x2003},
        {QStringLiteral("thinsp"), 0x2009}, {QStringLiteral("zwj"), 0x200D},
        {QStringLiteral("zwnj"), 0x200C},   {QStringLiteral("Agrave"), 0xC0},
        {QStringLiteral("Aacute"), 0xC1},   {QStringLiteral("Acirc"), 0xC2},
        {QStringLiteral("Auml"), 0xC4},     {QStringLiteral("Aring"), 0xC5},
        {QStringLiteral("AElig"), 0xC6},    {QStringLiteral("Ccedil"), 0xC7},
        {QStringLiteral("Egrave"), 0xC8},   {QStringLiteral("Eacute"), 0xC9},
        {QStringLiteral("Ecirc"), 0xCA},    {QStringLiteral("Iacute"), 0xCD},
        {QStringLiteral("Ntilde"), 0xD1},   {QStringLiteral("Oacute"), 0xD3},
        {QStringLiteral("Ocirc"), 0xD4},    {QStringLiteral("Ouml"), 0xD6},
        {QStringLiteral("Oslash"), 0xD8},   {QStringLiteral("Uacute"), 0xDA},
        {QStringLiteral("Uuml"), 0xDC},     {QStringLiteral("szlig"), 0xDF},
        {QStringLiteral("agrave"), 0xE0},   {QStringLiteral("aacute"), 0xE1},
        {QStringLiteral("acirc"), 0xE2},    {QStringLiteral("atilde"), 0xE3},
        {QStringLiteral("auml"), 0xE4},     {QStringLiteral("aring"), 0xE5},
        {QStringLiteral("aelig"), 0xE6},    {QStringLiteral("ccedil"), 0xE7},
        {QStringLiteral("egrave"), 0xE8},   {QStringLiteral("eacute"), 0xE9},
        {QStringLiteral("ecirc"), 0xEA},    {QStringLiteral("euml"), 0xEB},
        {QStringLiteral("igrave"), 0xEC},   {QStringLiteral("iacute"), 0xED},
        {QStringLiteral("icirc"), 0xEE},    {QStringLiteral("iuml"), 0xEF},
        {QStringLiteral("ntilde"), 0xF1},   {QStringLiteral("ograve"), 0xF2},
        {QStringLiteral("oacute"), 0xF3},   {QStringLiteral("ocirc"), 0xF4},
        {QStringLiteral("otilde"), 0xF5},   {QStringLiteral("ouml"), 0xF6},
        {QStringLiteral("oslash"), 0xF8},   {QStringLiteral("ugrave"), 0xF9},
        {QStringLiteral("uacute"), 0xFA},   {QStringLiteral("ucirc"), 0xFB},
        {QStringLiteral("uuml"), 0xFC},     {QStringLiteral("yacute"), 0xFD},
        {QStringLiteral("yuml"), 0xFF},     {QStringLiteral("oelig"), 0x153},
        {QStringLiteral("OElig"), 0x152},   {QStringLiteral("alpha"), 0x3B1},
        {QStringLiteral("beta"), 0x3B2},    {QStringLiteral("gamma"), 0x3B3},
        {QStringLiteral("delta"), 0x3B4},   {QStringLiteral("pi"), 0x3C0},
        {QStringLiteral("sigma"), 0x3C3},   {QStringLiteral("mu"), 0x3BC},
        {QStringLiteral("lambda"), 0x3BB},  {QStringLiteral("omega"), 0x3C9},
        {QStringLiteral("Omega"), 0x3A9},
    };
    return entities;
}

bool isValidCodePoint(qint64 code)
{
    return code > 0 && code <= 0x10FFFF && !(code >= 0xD800 && code <= 0xDFFF);
}

} // namespace

QString decodeHtmlEntities(const QString &text)
{
    if (!text.contains(QLatin1Char('&')))
        return text;
    QString out;
    out.reserve(text.size());
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i] != QLatin1Char('&')) {
            out += text[i];
            continue;
        }
        const qsizetype semicolon = text.indexOf(QLatin1Char(';'), i + 1);
        if (semicolon < 0 || semicolon - i > 32) {
            out += text[i];
            continue;
        }
        const QString name = text.mid(i + 1, semicolon - i - 1);
        qint64 code = -1;
        if (name.startsWith(QLatin1Char('#'))) {
            bool ok = false;
            const bool hex = name.size() > 1 && (name[1] == QLatin1Char('x') || name[1] == QLatin1Char('X'));
            code = hex ? name.mid(2).toLongLong(&ok, 16) : name.mid(1).toLongLong(&ok, 10);
            if (!ok)
                code = -1;
        } else if (const auto it = namedEntities().constFind(name); it != namedEntities().cend()) {
            code = *it;
        }
        if (!isValidCodePoint(code)) {
            out += text[i];
            continue;
        }
        const char32_t c = char32_t(code);
        out += QString::fromUcs4(&c, 1);
        i = semicolon;
    }
    return out;
}

} // namespace agency::knowledge::detail
