#include "extractor.h"

#include "formats.h"

namespace agency::knowledge {
namespace detail {

QString ExtractContext::subject() const
{
    return fileName.isEmpty() ? QStringLiteral("The document")
                              : QLatin1Char('"') + fileName + QLatin1Char('"');
}

core::Error ExtractContext::cancelledError() const
{
    return core::makeError(core::ErrorCode::Cancelled,
                           QStringLiteral("extraction of %1 was cancelled").arg(subject()));
}

core::Error ExtractContext::invalid(const QString &sentenceAfterSubject) const
{
    return core::makeError(core::ErrorCode::InvalidArgument,
                           subject() + QLatin1Char(' ') + sentenceAfterSubject);
}

core::Error tooMuchText(const ExtractContext &context)
{
    return context.invalid(QStringLiteral("holds more than %1 characters of text, the limit")
                               .arg(context.limits.maxExtractedChars));
}

core::Result<void> emitSinglePage(ExtractedPage page, const ExtractContext &context)
{
    if (page.text.trimmed().isEmpty())
        return context.invalid(QStringLiteral("contains no text"));
    page.number = 0;
    return context.sink(std::move(page));
}

} // namespace detail

core::Result<ExtractionSummary> extractDocument(const QByteArray &bytes, const QString &fileName,
                                                const QString &mimeType, const ExtractLimits &limits,
                                                const PageSink &sink, const core::CancelTokenPtr &cancel)
{
    using namespace detail;
    ExtractContext context{fileName, limits, {}, cancel};
    if (context.cancelled())
        return context.cancelledError();
    if (bytes.isEmpty())
        return context.invalid(QStringLiteral("is empty (0 bytes)"));

    // Every format's pages pass here: the limits and the cancel token are checked in one place,
    // counting the "\n\n" that joins pages into the document's text.
    int pages = 0;
    qint64 chars = 0;
    context.sink = [&](ExtractedPage page) -> core::Result<void> {
        if (context.cancelled())
            return context.cancelledError();
        if (++pages > limits.maxPages)
            return context.invalid(QStringLiteral("has more than %1 pages, the limit").arg(limits.maxPages));
        chars += page.text.size() + (pages > 1 ? 2 : 0);
        if (chars > limits.maxExtractedChars)
            return tooMuchText(context);
        return sink(std::move(page));
    };

    const auto format = detectFormat(bytes, fileName, mimeType, context);
    if (!format)
        return format.error();
    // Every 4 bytes of these formats give at least one character: refused before decoding it all.
    const bool textual =
        format.value() == Format::Text || format.value() == Format::Markdown || format.value() == Format::Csv;
    if (textual && bytes.size() / 4 > limits.maxExtractedChars)
        return tooMuchText(context);
    core::Result<ExtractionSummary> result = [&]() -> core::Result<ExtractionSummary> {
        switch (format.value()) {
        case Format::Text:
            return extractPlainText(bytes, context);
        case Format::Markdown:
            return extractMarkdown(bytes, context);
        case Format::Html:
            return extractHtml(bytes, context);
        case Format::Csv:
            return extractCsv(bytes, context);
        case Format::Pdf:
            return extractPdf(bytes, context);
        case Format::Docx:
            return extractDocx(bytes, context);
        case Format::Odt:
            return extractOdt(bytes, context);
        }
        return core::makeError(core::ErrorCode::Internal, QStringLiteral("unknown document format"));
    }();
    if (!result)
        return result;
    ExtractionSummary summary = std::move(result).value();
    summary.format = formatName(format.value());
    summary.mimeType = formatMimeType(format.value());
    summary.title = summary.title.simplified();
    summary.pages = pages;
    return summary;
}

} // namespace agency::knowledge
