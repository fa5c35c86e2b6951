#include "formats.h"
#include "textdecoding.h"
#include "ziparchive.h"

#include <QFileInfo>

namespace agency::knowledge::detail {
namespace {

const QString kSupported = QStringLiteral(
    "supported types are plain text, Markdown, HTML, CSV, PDF, Word (.docx) and OpenDocument text (.odt)");

core::Error unsupported(const ExtractContext &context, const QString &what)
{
    return context.invalid(QStringLiteral("is %1, which is not a supported type; %2").arg(what, kSupported));
}

struct Magic
{
    QByteArray prefix;
    const char *what;
};

// Types recognised only to be refused by name.
const QList<Magic> &unsupportedMagic()
{
    static const QList<Magic> magic = {
        {QByteArray("\x89PNG"), "a PNG image"},
        {QByteArray("\xFF\xD8\xFF"), "a JPEG image"},
        {QByteArray("GIF8"), "a GIF image"},
        {QByteArray("RIFF"), "a RIFF file (WebP image, WAV audio or AVI video)"},
        {QByteArray("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), "a legacy Office document (.doc, .xls or .ppt)"},
        {QByteArray("{\\rtf"), "an RTF document"},
        {QByteArray("\x1F\x8B"), "a gzip archive"},
        {QByteArray("7z\xBC\xAF\x27\x1C"), "a 7-Zip archive"},
        {QByteArray("Rar!"), "a RAR archive"},
        {QByteArray("\x7F"
                    "ELF"),
         "a program (ELF executable)"},
        {QByteArray("ID3"), "an MP3 audio file"},
        {QByteArray("OggS"), "an Ogg media file"},
        {QByteArray("\x00\x00\x00\x18"
                    "ftyp",
                    8),
         "an MP4 video"},
        {QByteArray("\x00\x00\x00\x20"
                    "ftyp",
                    8),
         "an MP4 video"},
    };
    return magic;
}

core::Result<Format> detectArchive(const QByteArray &bytes, const ExtractContext &context)
{
    auto opened = ZipArchive::open(bytes, context);
    if (!opened)
        return opened.error();
    ZipArchive &zip = *opened.value();
    if (zip.contains(QStringLiteral("mimetype"))) {
        auto mime = zip.read(QStringLiteral("mimetype"), context);
        if (!mime)
            return mime.error();
        const QString type = QString::fromLatin1(mime.value()).trimmed();
        if (type == QLatin1String("application/vnd.oasis.opendocument.text"))
            return Format::Odt;
        if (type.endsWith(QLatin1String("opendocument.spreadsheet")))
            return unsupported(context, QStringLiteral("an OpenDocument spreadsheet (.ods)"));
        if (type.endsWith(QLatin1String("opendocument.presentation")))
            return unsupported(context, QStringLiteral("an OpenDocument presentation (.odp)"));
        if (type == QLatin1String("application/epub+zip"))
            return unsupported(context, QStringLiteral("an EPUB book"));
        if (!type.isEmpty() && type.size() < 100)
            return unsupported(context, QStringLiteral("a ZIP-based document of type %1").arg(type));
    }
    if (zip.contains(QStringLiteral("[Content_Types].xml"))) {
        if (zip.contains(QStringLiteral("word/document.xml")))
            return Format::Docx;
        if (zip.contains(QStringLiteral("xl/workbook.xml")))
            return unsupported(context, QStringLiteral("an Excel workbook (.xlsx)"));
        if (zip.contains(QStringLiteral("ppt/presentation.xml")))
            return unsupported(context, QStringLiteral("a PowerPoint presentation (.pptx)"));
        return unsupported(context, QStringLiteral("an Office Open XML package without a Word document"));
    }
    return unsupported(context, QStringLiteral("a ZIP archive"));
}

std::optional<Format> formatFromName(const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix().toLower();
    static const QHash<QString, Format> bySuffix = {{QStringLiteral("txt"), Format::Text},
                                                    {QStringLiteral("text"), Format::Text},
                                                    {QStringLiteral("log"), Format::Text},
                                                    {QStringLiteral("md"), Format::Markdown},
                                                    {QStringLiteral("markdown"), Format::Markdown},
                                                    {QStringLiteral("mdown"), Format::Markdown},
                                                    {QStringLiteral("mkd"), Format::Markdown},
                                                    {QStringLiteral("html"), Format::Html},
                                                    {QStringLiteral("htm"), Format::Html},
                                                    {QStringLiteral("xhtml"), Format::Html},
                                                    {QStringLiteral("csv"), Format::Csv},
                                                    {QStringLiteral("tsv"), Format::Csv},
                                                    {QStringLiteral("pdf"), Format::Pdf},
                                                    {QStringLiteral("docx"), Format::Docx},
                                                    {QStringLiteral("odt"), Format::Odt}};
    const auto it = bySuffix.constFind(suffix);
    return it == bySuffix.cend() ? std::nullopt : std::optional<Format>(*it);
}

std::optional<Format> formatFromMimeType(const QString &mimeType)
{
    const QString type = mimeType.section(QLatin1Char(';'), 0, 0).trimmed().toLower();
    if (type == QLatin1String("text/markdown") || type == QLatin1String("text/x-markdown"))
        return Format::Markdown;
    if (type == QLatin1String("text/html") || type == QLatin1String("application/xhtml+xml"))
        return Format::Html;
    if (type == QLatin1String("text/csv") || type == QLatin1String("text/tab-separated-values"))
        return Format::Csv;
    if (type == QLatin1String("application/pdf"))
        return Format::Pdf;
    if (type == QLatin1String("application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
        return Format::Docx;
    if (type == QLatin1String("application/vnd.oasis.opendocument.text"))
        return Format::Odt;
    if (type.startsWith(QLatin1String("text/")))
        return Format::Text;
    return std::nullopt;
}

bool sniffsAsHtml(const QByteArray &bytes)
{
    const QByteArray head = bytes.left(512).trimmed().toLower();
    return head.startsWith("<!doctype html") || head.startsWith("<html") ||
           (head.startsWith("<?xml") && head.contains("<html"));
}

} // namespace

core::Result<Format> detectFormat(const QByteArray &bytes, const QString &fileName, const QString &mimeType,
                                  const ExtractContext &context)
{
    // The bytes decide: a name or a declared type may be wrong, magic numbers are not.
    // The PDF header may follow some junk (allowed by readers), but not a line of text.
    if (const qsizetype pdf = bytes.left(1024).indexOf("%PDF-");
        pdf == 0 || (pdf > 0 && !bytes.left(pdf).contains('\n')))
        return Format::Pdf;
    if (bytes.startsWith("PK\x03\x04"))
        return detectArchive(bytes, context);
    if (bytes.startsWith("PK\x05\x06"))
        return unsupported(context, QStringLiteral("an empty ZIP archive"));
    for (const Magic &magic : unsupportedMagic()) {
        if (bytes.startsWith(magic.prefix))
            return unsupported(context, QString::fromLatin1(magic.what));
    }

    std::optional<Format> declared = formatFromName(fileName);
    if (!declared)
        declared = formatFromMimeType(mimeType);
    if (declared == Format::Pdf)
        return context.invalid(
            QStringLiteral("is not a PDF (it does not start with %PDF-): corrupt or mislabelled"));
    if (declared == Format::Docx || declared == Format::Odt)
        return context.invalid(
            QStringLiteral("is not a ZIP archive, so not a valid %1 file: corrupt or mislabelled")
                .arg(declared == Format::Docx ? QStringLiteral("DOCX") : QStringLiteral("ODT")));
    if (!looksLikeText(bytes)) {
        const QString suffix = QFileInfo(fileName).suffix();
        return unsupported(context,
                           suffix.isEmpty()
                               ? QStringLiteral("binary data of an unrecognised type")
                               : QStringLiteral("binary data of an unrecognised type (.%1)").arg(suffix));
    }
    if (declared)
        return *declared;
    return sniffsAsHtml(bytes) ? Format::Html : Format::Text;
}

QString formatName(Format format)
{
    switch (format) {
    case Format::Text:
        return QStringLiteral("text");
    case Format::Markdown:
        return QStringLiteral("markdown");
    case Format::Html:
        return QStringLiteral("html");
    case Format::Csv:
        return QStringLiteral("csv");
    case Format::Pdf:
        return QStringLiteral("pdf");
    case Format::Docx:
        return QStringLiteral("docx");
    case Format::Odt:
        return QStringLiteral("odt");
    }
    return {};
}

QString formatMimeType(Format format)
{
    switch (format) {
    case Format::Text:
        return QStringLiteral("text/plain");
    case Format::Markdown:
        return QStringLiteral("text/markdown");
    case Format::Html:
        return QStringLiteral("text/html");
    case Format::Csv:
        return QStringLiteral("text/csv");
    case Format::Pdf:
        return QStringLiteral("application/pdf");
    case Format::Docx:
        return QStringLiteral("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    case Format::Odt:
        return QStringLiteral("application/vnd.oasis.opendocument.text");
    }
    return {};
}

} // namespace agency::knowledge::detail
