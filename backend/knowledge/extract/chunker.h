#pragma once

#include "extractor.h"

namespace agency::knowledge {

struct ChunkOptions
{
    int targetTokens = 500; ///< chunks aim for 400..600 tokens
    int maxTokens = 600;
    int overlapTokens = 60; ///< the start of a chunk repeats the end of the previous one
};

/// A span of a document's extracted text. `start`/`end` are offsets in the whole document's
/// text: the concatenation of its pages' texts, each page followed by "\n\n" except the last.
/// Offsets count UTF-16 code units (QString indices: a character outside the BMP counts two);
/// a span never starts or ends inside a surrogate pair.
struct ChunkSpan
{
    int page = 0;
    qint64 start = 0;
    qint64 end = 0;
    QString text; ///< exactly documentText.mid(start, end - start)
    int tokenEstimate = 0;
    QString headingPath; ///< "Heading > Subheading" in force at the chunk's start, for context
};

/// Cuts one page into chunks along its blocks (headings start a new chunk, paragraphs are kept
/// whole when they fit, an oversized block is cut at sentence then word boundaries). Chunks do
/// not cross pages. `pageStart` is the page's offset in the document's text.
QList<ChunkSpan> chunkPage(const ExtractedPage &page, qint64 pageStart, const ChunkOptions &options = {});

} // namespace agency::knowledge
