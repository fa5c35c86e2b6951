// PDF through QtPdf (PDFium): the text layer page by page. Only one page's text exists at a time
// here; PDFium loads each page when asked and releases it after its text is read.

#include "formats.h"
#include "pagebuilder.h"

#include <QBuffer>
#include <QEventLoop>
#include <QPdfDocument>

namespace agency::knowledge::detail {
namespace {

// PDFium's text has "\r\n" line ends and control characters for hyphenation points and the like.
QString cleanPageText(QString text)
{
    text.replace(QStringLiteral("\r\n"), QStringLiteral("\n"));
    QString out;
    out.reserve(text.size());
    for (const QChar c : std::as_const(text)) {
        if (c == QLatin1Char('\r'))
            out += QLatin1Char('\n');
        else if (c == QLatin1Char('\n') || c == QLatin1Char('\t') ||
                 (c.unicode() >= 0x20 && c != QChar(0xFFFE)))
            out += c;
        else if (c == QChar(0x02)) // PDFium's mark for a hyphen at a line break
            out += QLatin1Char('-');
    }
    return out;
}

ExtractedPage makePage(const QString &text, int number)
{
    PageBuilder builder;
    for (const QString &paragraph : text.split(QStringLiteral("\n\n")))
        builder.add(BlockKind::Paragraph, paragraph);
    return builder.take(number);
}

} // namespace

core::Result<ExtractionSummary> extractPdf(const QByteArray &bytes, const ExtractContext &context)
{
    QByteArray data = bytes; // shared, not copied: QBuffer needs a non-const array
    QBuffer buffer(&data);
    buffer.open(QIODevice::ReadOnly);
    QPdfDocument document;
    document.load(&buffer);
    if (document.status() == QPdfDocument::Status::Loading) {
        QEventLoop loop;
        QObject::connect(&document, &QPdfDocument::statusChanged, &loop, [&](QPdfDocument::Status status) {
            if (status != QPdfDocument::Status::Loading)
                loop.quit();
        });
        loop.exec();
    }
    switch (document.error()) {
    case QPdfDocument::Error::None:
        break;
    case QPdfDocument::Error::IncorrectPassword:
    case QPdfDocument::Error::UnsupportedSecurityScheme:
        return context.invalid(
            QStringLiteral("is password-protected; remove the password and upload it again"));
    default:
        return context.invalid(QStringLiteral("is a corrupt or truncated PDF"));
    }
    if (document.status() != QPdfDocument::Status::Ready)
        return context.invalid(QStringLiteral("is a corrupt or truncated PDF"));
    const int pageCount = document.pageCount();
    if (pageCount <= 0)
        return context.invalid(QStringLiteral("is a PDF without pages"));
    if (pageCount > context.limits.maxPages)
        return context.invalid(QStringLiteral("has %1 pages, over the limit of %2 pages")
                                   .arg(pageCount)
                                   .arg(context.limits.maxPages));

    ExtractionSummary summary;
    summary.title = document.metaData(QPdfDocument::MetaDataField::Title).toString();
    // Pages without text are held back as a count until a page with text comes: a document
    // without any text fails before any page reaches the sink.
    int blankPagesHeld = 0;
    bool anyText = false;
    for (int index = 0; index < pageCount; ++index) {
        if (context.cancelled())
            return context.cancelledError();
        ExtractedPage page = makePage(cleanPageText(document.getAllText(index).text()), index + 1);
        if (page.blocks.isEmpty()) {
            ++blankPagesHeld;
            continue;
        }
        for (; blankPagesHeld > 0; --blankPagesHeld) {
            if (auto sent = context.sink(ExtractedPage{index + 1 - blankPagesHeld, {}, {}}); !sent)
                return sent.error();
        }
        anyText = true;
        if (auto sent = context.sink(std::move(page)); !sent)
            return sent.error();
    }
    if (!anyText)
        return context.invalid(
            QStringLiteral("has no text layer (a scanned document?); OCR is not supported"));
    for (int number = pageCount - blankPagesHeld + 1; number <= pageCount; ++number) {
        if (auto sent = context.sink(ExtractedPage{number, {}, {}}); !sent)
            return sent.error();
    }
    return summary;
}

} // namespace agency::knowledge::detail
