#include "jsonwriter.h"

#include <QLocale>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace agency::llm {

namespace {

char hexDigit(unsigned value)
{
    return "0123456789abcdef"[value & 0xf];
}

/// Writes the "uxxxx" of a \uxxxx escape at `dst` (after its backslash); returns the end.
char *writeUnicodeEscape(char *dst, char16_t unit)
{
    dst[0] = 'u';
    dst[1] = hexDigit(unit >> 12);
    dst[2] = hexDigit(unit >> 8);
    dst[3] = hexDigit(unit >> 4);
    dst[4] = hexDigit(unit);
    return dst + 5;
}

} // namespace

void appendJsonString(QByteArray &out, QStringView text)
{
    // Written through a raw pointer into space sized for the worst case (\uxxxx, six bytes, per
    // UTF-16 unit), a block of units at a time so a long text never asks for six times its size.
    constexpr qsizetype kBlock = 1024;
    const char16_t *src = text.utf16();
    const char16_t *const end = src + text.size();
    qsizetype used = out.size();
    out.resize(used + 1);
    out[used++] = '"';
    while (src != end) {
        const char16_t *const blockEnd = src + std::min<qsizetype>(kBlock, end - src);
        out.resize(used + 6 * (blockEnd - src) + 1);
        char *const begin = out.data();
        char *dst = begin + used;
        while (src < blockEnd) {
            const char16_t u = *src++;
            if (u >= 0x20 && u < 0x80 && u != u'"' && u != u'\\') {
                *dst++ = static_cast<char>(u);
            } else if (u < 0x80) {
                *dst++ = '\\';
                switch (u) {
                case u'"':
                    *dst++ = '"';
                    break;
                case u'\\':
                    *dst++ = '\\';
                    break;
                case 0x8:
                    *dst++ = 'b';
                    break;
                case 0xc:
                    *dst++ = 'f';
                    break;
                case 0xa:
                    *dst++ = 'n';
                    break;
                case 0xd:
                    *dst++ = 'r';
                    break;
                case 0x9:
                    *dst++ = 't';
                    break;
                default:
                    dst = writeUnicodeEscape(dst, u);
                    break;
                }
            } else if (u < 0x800) {
                *dst++ = static_cast<char>(0xc0 | (u >> 6));
                *dst++ = static_cast<char>(0x80 | (u & 0x3f));
            } else if (QChar::isHighSurrogate(u) && src != end && QChar::isLowSurrogate(*src)) {
                // A pair may straddle the block boundary: its second unit is read past blockEnd,
                // and the block's worst case (six bytes per unit) covers the four bytes written.
                const char32_t code = QChar::surrogateToUcs4(u, *src++);
                *dst++ = static_cast<char>(0xf0 | (code >> 18));
                *dst++ = static_cast<char>(0x80 | ((code >> 12) & 0x3f));
                *dst++ = static_cast<char>(0x80 | ((code >> 6) & 0x3f));
                *dst++ = static_cast<char>(0x80 | (code & 0x3f));
            } else if (QChar::isSurrogate(u)) {
                *dst++ = '\\';
                dst = writeUnicodeEscape(dst, u); // unpaired: UTF-8 cannot carry it
            } else {
                *dst++ = static_cast<char>(0xe0 | (u >> 12));
                *dst++ = static_cast<char>(0x80 | ((u >> 6) & 0x3f));
                *dst++ = static_cast<char>(0x80 | (u & 0x3f));
            }
        }
        used = dst - begin;
    }
    out.resize(used + 1);
    out[used++] = '"';
}

void JsonWriter::separate()
{
    if (m_needComma)
        m_out.append(',');
}

JsonWriter &JsonWriter::open(char bracket)
{
    separate();
    m_out.append(bracket);
    m_needComma = false;
    return *this;
}

JsonWriter &JsonWriter::close(char bracket)
{
    m_out.append(bracket);
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::key(QLatin1StringView name)
{
    // One resize and plain stores: keys are short and written for every member.
    const qsizetype at = m_out.size();
    m_out.resize(at + name.size() + 3 + (m_needComma ? 1 : 0));
    char *dst = m_out.data() + at;
    if (m_needComma)
        *dst++ = ',';
    *dst++ = '"';
    std::memcpy(dst, name.data(), static_cast<size_t>(name.size()));
    dst += name.size();
    *dst++ = '"';
    *dst = ':';
    m_needComma = false;
    return *this;
}

JsonWriter &JsonWriter::value(QStringView text)
{
    separate();
    appendJsonString(m_out, text);
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::value(QLatin1StringView asciiText)
{
    separate();
    m_out.append('"');
    m_out.append(asciiText.data(), asciiText.size());
    m_out.append('"');
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::value(qint64 number)
{
    separate();
    m_out.append(QByteArray::number(number));
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::value(double number)
{
    if (!std::isfinite(number))
        return null();
    separate();
    m_out.append(QByteArray::number(number, 'g', QLocale::FloatingPointShortest));
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::value(bool flag)
{
    separate();
    m_out.append(flag ? QByteArrayView("true") : QByteArrayView("false"));
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::null()
{
    separate();
    m_out.append("null", 4);
    m_needComma = true;
    return *this;
}

JsonWriter &JsonWriter::raw(const QByteArray &json)
{
    separate();
    m_out.append(json);
    m_needComma = true;
    return *this;
}

} // namespace agency::llm
