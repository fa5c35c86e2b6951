#include "textdecoding.h"

#include <QStringDecoder>

#include <uchardet.h>

#include <memory>

namespace agency::knowledge::detail {
namespace {

struct Bom
{
    const char *bytes;
    int size;
    const char *encoding;
};

// Longest first: the UTF-32LE mark begins with the UTF-16LE one.
constexpr Bom kBoms[] = {{"\xFF\xFE\x00\x00", 4, "UTF-32LE"},
                         {"\x00\x00\xFE\xFF", 4, "UTF-32BE"},
                         {"\xEF\xBB\xBF", 3, "UTF-8"},
                         {"\xFF\xFE", 2, "UTF-16LE"},
                         {"\xFE\xFF", 2, "UTF-16BE"}};

// uchardet needs no more than this to decide; a whole large file would only cost time.
constexpr qsizetype kDetectionSample = 1 << 20;

QString normaliseLineEndings(QString text)
{
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    text.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    return text;
}

std::optional<QString> decodeStrictly(const QByteArray &bytes, const QByteArray &encoding)
{
    QStringDecoder decoder(encoding.constData(), QStringDecoder::Flag::Stateless);
    if (!decoder.isValid())
        return std::nullopt;
    QString text = decoder.decode(bytes);
    if (decoder.hasError())
        return std::nullopt;
    return text;
}

QByteArray guessWithUchardet(const QByteArray &bytes)
{
    const std::unique_ptr<std::remove_pointer_t<uchardet_t>, void (*)(uchardet_t)> detector(uchardet_new(),
                                                                                            uchardet_delete);
    const QByteArray sample = bytes.left(kDetectionSample);
    if (uchardet_handle_data(detector.get(), sample.constData(), size_t(sample.size())) != 0)
        return {};
    uchardet_data_end(detector.get());
    return QByteArray(uchardet_get_charset(detector.get()));
}

// UTF-16 without a byte-order mark: ASCII-range text has a zero byte in every other position.
QByteArray guessUtf16(const QByteArray &bytes)
{
    const qsizetype n = qMin<qsizetype>(bytes.size(), 4096) & ~qsizetype(1);
    if (n < 2)
        return {};
    qsizetype evenZeros = 0, oddZeros = 0;
    for (qsizetype i = 0; i < n; i += 2) {
        evenZeros += bytes[i] == '\0';
        oddZeros += bytes[i + 1] == '\0';
    }
    const qsizetype pairs = n / 2;
    if (oddZeros * 10 >= pairs * 3 && evenZeros * 10 < pairs)
        return "UTF-16LE";
    if (evenZeros * 10 >= pairs * 3 && oddZeros * 10 < pairs)
        return "UTF-16BE";
    return {};
}

} // namespace

bool looksLikeText(const QByteArray &bytes)
{
    for (const Bom &bom : kBoms) {
        if (bytes.startsWith(QByteArray::fromRawData(bom.bytes, bom.size)))
            return true;
    }
    if (!guessUtf16(bytes).isEmpty())
        return true;
    return !bytes.left(kDetectionSample).contains('\0');
}

core::Result<DecodedText> decodeText(const QByteArray &bytes, const QString &subject,
                                     const QByteArray &charsetHint)
{
    const auto binary = [&] {
        return core::makeError(core::ErrorCode::InvalidArgument,
                               subject +
                                   QStringLiteral(" is binary data, not text in any encoding we recognise"));
    };
    for (const Bom &bom : kBoms) {
        if (!bytes.startsWith(QByteArray::fromRawData(bom.bytes, bom.size)))
            continue;
        const auto text = decodeStrictly(bytes.mid(bom.size), bom.encoding);
        if (!text)
            return core::makeError(core::ErrorCode::InvalidArgument,
                                   subject +
                                       QStringLiteral(" starts with a %1 byte-order mark but is not valid %1")
                                           .arg(QLatin1String(bom.encoding)));
        return DecodedText{normaliseLineEndings(*text), QString::fromLatin1(bom.encoding)};
    }
    if (const QByteArray utf16 = guessUtf16(bytes); !utf16.isEmpty()) {
        if (const auto text = decodeStrictly(bytes, utf16))
            return DecodedText{normaliseLineEndings(*text), QString::fromLatin1(utf16)};
    }
    if (bytes.left(kDetectionSample).contains('\0'))
        return binary();
    if (const auto text = decodeStrictly(bytes, "UTF-8"))
        return DecodedText{normaliseLineEndings(*text), QStringLiteral("UTF-8")};
    for (const QByteArray &candidate : {charsetHint, guessWithUchardet(bytes)}) {
        if (candidate.isEmpty() || candidate.compare("ASCII", Qt::CaseInsensitive) == 0)
            continue;
        if (const auto text = decodeStrictly(bytes, candidate))
            return DecodedText{normaliseLineEndings(*text), QString::fromLatin1(candidate).toUpper()};
    }
    // Every byte is a character in Windows-1252 but five, so this is the last resort that reads
    // most unlabelled Western text; a byte it cannot map makes it fail like any other binary data.
    if (const auto text = decodeStrictly(bytes, "windows-1252"))
        return DecodedText{normaliseLineEndings(*text), QStringLiteral("WINDOWS-1252")};
    return binary();
}

} // namespace agency::knowledge::detail
