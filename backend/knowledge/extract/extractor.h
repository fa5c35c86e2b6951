#pragma once

#include "core/async/canceltoken.h"
#include "core/result.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>

namespace agency::knowledge {

/// What the structure of extracted text is, so chunks can follow it.
enum class BlockKind { Heading, Paragraph, ListItem, TableRow, Code };

/// A structural block of a page: text[start, end) of its page, in UTF-16 code units (QString indices).
struct TextBlock
{
    BlockKind kind = BlockKind::Paragraph;
    int level = 0; ///< heading level 1..6 (Heading only)
    qint64 start = 0;
    qint64 end = 0;
};

/// One page of extracted text. Formats without pages give a single page numbered 0.
struct ExtractedPage
{
    int number = 0; ///< 1-based for paged formats (PDF), 0 otherwise
    QString text;   ///< plain text, blocks separated by blank lines
    QList<TextBlock> blocks;
};

/// Refusal limits: over any of them the document fails with a reason naming the limit.
struct ExtractLimits
{
    qint64 maxExtractedChars = 50'000'000;
    qint64 maxArchiveEntryBytes = 200'000'000; ///< a DOCX/ODT part's uncompressed size
    double maxCompressionRatio = 200.0;        ///< a zip entry's uncompressed/compressed size
    int maxPages = 10'000;
};

/// What was extracted, apart from the pages themselves.
struct ExtractionSummary
{
    QString format; ///< "text", "markdown", "html", "pdf", "docx", "odt", "csv"
    QString mimeType;
    QString title; ///< from the document's metadata or first heading; empty when none
    int pages = 0;
    QString encoding; ///< the detected text encoding (text formats)
};

/// Receives pages one by one, in order; a failed Result stops the extraction with that error.
using PageSink = std::function<core::Result<void>(ExtractedPage page)>;

/// Extracts `bytes` (a file named `fileName`, declared as `mimeType`, which may be empty or wrong:
/// the bytes decide) page by page into `sink`, never holding more than one page's text at once
/// beyond what the format's parser keeps. Errors (InvalidArgument with a sentence for the user):
/// unsupported type, empty file, encrypted or scanned PDF without a text layer ("has no text
/// layer; OCR is not supported"), corrupt archive, a limit exceeded; Cancelled.
/// Safe to call from any thread (no shared state).
core::Result<ExtractionSummary> extractDocument(const QByteArray &bytes, const QString &fileName,
                                                const QString &mimeType, const ExtractLimits &limits,
                                                const PageSink &sink,
                                                const core::CancelTokenPtr &cancel = {});

} // namespace agency::knowledge
