#pragma once

#include "extractor.h"

namespace agency::knowledge::detail {

/// Builds a page's text from blocks, separated by blank lines, recording each block's span.
class PageBuilder
{
public:
    /// Appends `text` (trimmed; nothing when blank) as one block.
    void add(BlockKind kind, const QString &text, int level = 0);
    qint64 size() const { return m_page.text.size(); }
    bool isEmpty() const { return m_page.blocks.isEmpty(); }
    /// The page built so far, numbered `number`; the builder starts over.
    ExtractedPage take(int number);

private:
    ExtractedPage m_page;
};

/// Collapses runs of whitespace (HTML and XML text) into single spaces.
QString collapseWhitespace(const QString &text);

} // namespace agency::knowledge::detail
