#pragma once

// The per-format extractors behind extractDocument() (internal to agency_extract). Each one
// receives bytes already known to be of its format, checks the limits and the cancel token, and
// hands its pages to the sink; extractDocument() fills in format and MIME type.

#include "extractor.h"

namespace agency::knowledge::detail {

/// Everything a format extractor needs besides the bytes.
struct ExtractContext
{
    QString fileName;
    ExtractLimits limits;
    PageSink sink;
    core::CancelTokenPtr cancel;

    /// "\"name\"" or "The document", to start an error sentence.
    QString subject() const;
    bool cancelled() const { return cancel && cancel->isCancelled(); }
    core::Error cancelledError() const;
    core::Error invalid(const QString &sentenceAfterSubject) const;
};

enum class Format { Text, Markdown, Html, Csv, Pdf, Docx, Odt };

/// Decides the format from the bytes first (magic numbers, the archive's parts), then the name
/// and the declared type; an error names what was recognised and not supported.
core::Result<Format> detectFormat(const QByteArray &bytes, const QString &fileName, const QString &mimeType,
                                  const ExtractContext &context);
QString formatName(Format format);
QString formatMimeType(Format format);

core::Result<ExtractionSummary> extractPlainText(const QByteArray &bytes, const ExtractContext &context);
core::Result<ExtractionSummary> extractMarkdown(const QByteArray &bytes, const ExtractContext &context);
core::Result<ExtractionSummary> extractHtml(const QByteArray &bytes, const ExtractContext &context);
core::Result<ExtractionSummary> extractCsv(const QByteArray &bytes, const ExtractContext &context);
core::Result<ExtractionSummary> extractPdf(const QByteArray &bytes, const ExtractContext &context);
core::Result<ExtractionSummary> extractDocx(const QByteArray &bytes, const ExtractContext &context);
core::Result<ExtractionSummary> extractOdt(const QByteArray &bytes, const ExtractContext &context);

/// The refusal of a document over limits.maxExtractedChars.
core::Error tooMuchText(const ExtractContext &context);
/// Hands a single-page document (page 0) to the sink after checking the character limit.
core::Result<void> emitSinglePage(ExtractedPage page, const ExtractContext &context);

} // namespace agency::knowledge::detail
