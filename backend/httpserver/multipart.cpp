#include "multipart.h"

#include <QUrl>

namespace agency::httpserver {

namespace {

using core::ErrorCode;

core::Error malformed(const QString &what)
{
    return core::makeError(ErrorCode::BadRequest,
                           QStringLiteral("malformed multipart/form-data body: ") + what);
}

constexpr qsizetype kMaxPartHeaderBytes = 8 * 1024;

/// Splits `value` on ';' outside quotes: "form-data; name=\"a;b\"" → ["form-data", " name=\"a;b\""].
QList<QByteArray> splitParameters(const QByteArray &value)
{
    QList<QByteArray> items;
    QByteArray current;
    bool quoted = false;
    for (qsizetype i = 0; i < value.size(); ++i) {
        const char ch = value.at(i);
        if (quoted && ch == '\\' && i + 1 < value.size()) {
            current += value.at(++i);
            continue;
        }
        if (ch == '"')
            quoted = !quoted;
        if (ch == ';' && !quoted) {
            items.append(current.trimmed());
            current.clear();
            continue;
        }
        current += ch;
    }
    items.append(current.trimmed());
    return items;
}

/// name=value or name="value" (escapes already removed by splitParameters()).
std::pair<QByteArray, QByteArray> parameter(const QByteArray &item)
{
    const qsizetype eq = item.indexOf('=');
    if (eq < 0)
        return {item.trimmed().toLower(), {}};
    QByteArray value = item.mid(eq + 1).trimmed();
    if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
        value = value.mid(1, value.size() - 2);
    return {item.left(eq).trimmed().toLower(), value};
}

/// RFC 8187 ext-value: UTF-8''percent%20encoded.
std::optional<QString> extendedValue(const QByteArray &value)
{
    const qsizetype first = value.indexOf('\'');
    const qsizetype second = first < 0 ? -1 : value.indexOf('\'', first + 1);
    if (second < 0 || value.left(first).toLower() != "utf-8")
        return std::nullopt;
    return QString::fromUtf8(QByteArray::fromPercentEncoding(value.mid(second + 1)));
}

core::Status readPartHeaders(const QByteArray &block, FormPart &part)
{
    bool disposition = false;
    QList<QByteArray> lines = block.split('\n');
    lines.removeLast(); // what follows the last line's LF
    for (const QByteArray &line : lines) {
        if (!line.endsWith('\r'))
            return malformed(QStringLiteral("part header lines must end in CRLF"));
        const QByteArray text = line.chopped(1);
        const qsizetype colon = text.indexOf(':');
        if (colon <= 0)
            return malformed(QStringLiteral("part header line without a name: \"%1\"")
                                 .arg(QString::fromUtf8(text.left(80))));
        const QByteArray name = text.left(colon).trimmed().toLower();
        const QByteArray value = text.mid(colon + 1).trimmed();
        if (name == "content-type") {
            part.contentType = value;
        } else if (name == "content-disposition") {
            const QList<QByteArray> items = splitParameters(value);
            if (items.value(0).toLower() != "form-data")
                return malformed(QStringLiteral("a part's Content-Disposition must be form-data"));
            disposition = true;
            std::optional<QString> extendedName;
            for (qsizetype i = 1; i < items.size(); ++i) {
                const auto [key, raw] = parameter(items.at(i));
                if (key == "name") {
                    part.name = QString::fromUtf8(raw);
                } else if (key == "filename") {
                    part.isFile = true;
                    if (part.fileName.isEmpty())
                        part.fileName = QString::fromUtf8(raw);
                } else if (key == "filename*") {
                    extendedName = extendedValue(raw);
                    if (!extendedName)
                        return malformed(QStringLiteral("filename* must be UTF-8''percent-encoded"));
                    part.isFile = true;
                }
            }
            if (extendedName)
                part.fileName = *extendedName;
        }
    }
    if (!disposition)
        return malformed(QStringLiteral("a part has no Content-Disposition header"));
    if (part.name.isEmpty())
        return malformed(QStringLiteral("a part's Content-Disposition has no name"));
    // Browsers may send a path ("C:\\dir\\a.pdf"): only the last component names the file.
    const qsizetype slash = qMax(part.fileName.lastIndexOf(u'/'), part.fileName.lastIndexOf(u'\\'));
    if (slash >= 0)
        part.fileName = part.fileName.mid(slash + 1);
    if (part.contentType.isEmpty())
        part.contentType = QByteArrayLiteral("text/plain");
    return {};
}

} // namespace

core::Result<std::optional<QByteArray>> formDataBoundary(const QByteArray &contentType)
{
    const QList<QByteArray> items = splitParameters(contentType);
    if (items.value(0).toLower() != "multipart/form-data")
        return std::optional<QByteArray>();
    for (qsizetype i = 1; i < items.size(); ++i) {
        const auto [key, value] = parameter(items.at(i));
        if (key != "boundary")
            continue;
        if (value.isEmpty() || value.size() > 70 || value.endsWith(' '))
            return core::makeError(ErrorCode::BadRequest,
                                   QStringLiteral("the multipart boundary must be 1 to 70 characters"));
        return std::optional<QByteArray>(value);
    }
    return core::makeError(ErrorCode::BadRequest,
                           QStringLiteral("Content-Type multipart/form-data needs a boundary parameter"));
}

core::Result<QList<FormPart>> parseFormData(const QByteArray &body, const QByteArray &boundary, int maxParts)
{
    const QByteArray delimiter = "--" + boundary;
    const QByteArray nextDelimiter = "\r\n" + delimiter;
    // The first delimiter opens the body or follows a preamble line.
    qsizetype pos = body.startsWith(delimiter) ? 0 : body.indexOf(nextDelimiter);
    if (pos < 0)
        return malformed(QStringLiteral("the boundary does not occur in the body"));
    pos += body.startsWith(delimiter) && pos == 0 ? delimiter.size() : nextDelimiter.size();
    QList<FormPart> parts;
    for (;;) {
        if (body.mid(pos, 2) == "--")
            return parts.isEmpty()
                       ? core::Result<QList<FormPart>>(malformed(QStringLiteral("it has no parts")))
                       : parts; // the closing delimiter; an epilogue is ignored
        // Transport padding (spaces, tabs) may precede the CRLF that ends a delimiter line.
        while (pos < body.size() && (body.at(pos) == ' ' || body.at(pos) == '\t'))
            ++pos;
        if (body.mid(pos, 2) != "\r\n")
            return malformed(pos >= body.size() ? QStringLiteral("it ends without the closing boundary")
                                                : QStringLiteral("a boundary line must end in CRLF"));
        pos += 2;
        if (parts.size() >= maxParts)
            return malformed(QStringLiteral("more than %1 parts").arg(maxParts));
        const qsizetype headersEnd = body.indexOf("\r\n\r\n", pos);
        if (headersEnd < 0 || headersEnd - pos > kMaxPartHeaderBytes)
            return malformed(QStringLiteral("a part's headers do not end with an empty line"));
        FormPart part;
        if (auto read = readPartHeaders(body.mid(pos, headersEnd - pos + 2), part); !read)
            return read.error();
        const qsizetype dataStart = headersEnd + 4;
        const qsizetype dataEnd = body.indexOf(nextDelimiter, dataStart);
        if (dataEnd < 0)
            return malformed(QStringLiteral("part \"%1\" is not closed by the boundary").arg(part.name));
        part.body = body.mid(dataStart, dataEnd - dataStart);
        parts.append(std::move(part));
        pos = dataEnd + nextDelimiter.size();
    }
}

} // namespace agency::httpserver
