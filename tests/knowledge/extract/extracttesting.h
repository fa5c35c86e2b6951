#pragma once

#include "knowledge/extract/extractor.h"

#include <QTest>

namespace agency::test {

/// What one extractDocument() call produced: its result and every page the sink received.
struct Extraction
{
    core::Result<knowledge::ExtractionSummary> result;
    QList<knowledge::ExtractedPage> pages;

    QString text() const
    {
        QStringList texts;
        for (const auto &page : pages)
            texts.append(page.text);
        return texts.join(QStringLiteral("\n\n"));
    }
    QString error() const { return result ? QString() : result.error().message; }
};

inline Extraction extract(const QByteArray &bytes, const QString &fileName, const QString &mimeType = {},
                          const knowledge::ExtractLimits &limits = {},
                          const core::CancelTokenPtr &cancel = {})
{
    Extraction out;
    out.result = knowledge::extractDocument(
        bytes, fileName, mimeType, limits,
        [&](knowledge::ExtractedPage page) -> core::Result<void> {
            out.pages.append(std::move(page));
            return {};
        },
        cancel);
    return out;
}

/// The text of each block of `page`, with its kind and level, for comparing structure.
inline QStringList describeBlocks(const knowledge::ExtractedPage &page)
{
    static const char *kinds[] = {"heading", "paragraph", "item", "row", "code"};
    QStringList out;
    for (const auto &block : page.blocks) {
        QString kind = QString::fromLatin1(kinds[int(block.kind)]);
        if (block.kind == knowledge::BlockKind::Heading)
            kind += QString::number(block.level);
        out.append(kind + QStringLiteral(": ") + page.text.mid(block.start, block.end - block.start));
    }
    return out;
}

} // namespace agency::test
