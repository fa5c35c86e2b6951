// DOCX (word/document.xml) and ODT (content.xml): paragraphs, headings (DOCX styles Heading1..6,
// Title or an outline level; ODT text:h with its outline level), list items and table rows,
// read with QXmlStreamReader from parts the ZipArchive inflated within the zip-bomb limits. The
// title comes from the package's metadata (docProps/core.xml, meta.xml), else the first heading.

#include "formats.h"
#include "pagebuilder.h"
#include "ziparchive.h"

#include <QRegularExpression>
#include <QXmlStreamReader>

namespace agency::knowledge::detail {
namespace {

/// Collects paragraphs into a page, routing those inside a table cell into the cell.
class ParagraphCollector
{
public:
    void startParagraph(BlockKind kind = BlockKind::Paragraph, int level = 0)
    {
        m_kind = kind;
        m_level = level;
        m_text.clear();
    }
    void setKind(BlockKind kind, int level = 0)
    {
        m_kind = kind;
        m_level = level;
    }
    void append(const QString &text) { m_text += text; }
    void endParagraph()
    {
        if (m_tableDepth > 0) {
            m_cell += (m_cell.isEmpty() ? QString() : QStringLiteral(" ")) + collapseWhitespace(m_text);
        } else {
            if (m_kind == BlockKind::Heading && m_firstHeading.isEmpty())
                m_firstHeading = m_text.simplified();
            m_page.add(m_kind, m_text, m_level);
        }
        m_text.clear();
    }
    void startTable() { ++m_tableDepth; }
    void endTable() { m_tableDepth = qMax(0, m_tableDepth - 1); }
    void startRow()
    {
        if (m_tableDepth <= 1)
            m_cells.clear();
    }
    void endCell()
    {
        if (m_tableDepth <= 1) {
            m_cells.append(m_cell.trimmed());
            m_cell.clear();
        }
    }
    void endRow()
    {
        if (m_tableDepth > 1)
            return;
        m_cells.removeAll(QString());
        m_page.add(BlockKind::TableRow, m_cells.join(QStringLiteral(" | ")));
        m_cells.clear();
    }
    qint64 size() const { return m_page.size(); }
    ExtractedPage take() { return m_page.take(0); }
    QString firstHeading() const { return m_firstHeading; }

private:
    PageBuilder m_page;
    BlockKind m_kind = BlockKind::Paragraph;
    int m_level = 0;
    QString m_text;
    int m_tableDepth = 0;
    QString m_cell;
    QStringList m_cells;
    QString m_firstHeading;
};

core::Error xmlError(const ExtractContext &context, const QString &part, const QXmlStreamReader &reader)
{
    return context.invalid(QStringLiteral("has a corrupt %1 (line %2: %3)")
                               .arg(part)
                               .arg(reader.lineNumber())
                               .arg(reader.errorString()));
}

// dc:title of a metadata part; empty when the part is missing or has none.
core::Result<QString> metadataTitle(ZipArchive &zip, const QString &part, const ExtractContext &context)
{
    if (!zip.contains(part))
        return QString();
    auto xml = zip.read(part, context);
    if (!xml)
        return xml.error();
    QXmlStreamReader reader(xml.value());
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.isStartElement() && reader.name() == QLatin1String("title") &&
            reader.namespaceUri() == QLatin1String("http://purl.org/dc/elements/1.1/"))
            return reader.readElementText(QXmlStreamReader::IncludeChildElements).simplified();
    }
    return QString(); // a broken metadata part costs the title, not the document
}

int docxHeadingLevel(const QString &style)
{
    static const QRegularExpression heading(
        QStringLiteral("^(?:heading|berschrift|titre|titolo|kop)\\s*([1-6])$"),
        QRegularExpression::CaseInsensitiveOption);
    if (style.compare(QLatin1String("Title"), Qt::CaseInsensitive) == 0)
        return 1;
    const auto match = heading.match(style);
    return match.hasMatch() ? match.captured(1).toInt() : 0;
}

core::Result<ExtractedPage> readDocxBody(const QByteArray &xml, ParagraphCollector &out,
                                         const ExtractContext &context)
{
    const QString part = QStringLiteral("word/document.xml");
    QXmlStreamReader reader(xml);
    bool inText = false;
    qint64 events = 0;
    while (!reader.atEnd()) {
        const auto token = reader.readNext();
        if ((++events & 0xFFFF) == 0 && context.cancelled())
            return context.cancelledError();
        const auto name = reader.name();
        if (token == QXmlStreamReader::StartElement) {
            if (name == QLatin1String("p")) {
                out.startParagraph();
            } else if (name == QLatin1String("pStyle")) {
                const QString style = reader.attributes().value(QLatin1String("w:val")).toString();
                if (const int level = docxHeadingLevel(style))
                    out.setKind(BlockKind::Heading, level);
                else if (style.contains(QLatin1String("List"), Qt::CaseInsensitive))
                    out.setKind(BlockKind::ListItem);
            } else if (name == QLatin1String("outlineLvl")) {
                const int level = reader.attributes().value(QLatin1String("w:val")).toInt() + 1;
                if (level >= 1 && level <= 6)
                    out.setKind(BlockKind::Heading, level);
            } else if (name == QLatin1String("numPr")) {
                out.setKind(BlockKind::ListItem);
            } else if (name == QLatin1String("t")) {
                inText = true;
            } else if (name == QLatin1String("tab")) {
                out.append(QStringLiteral("\t"));
            } else if (name == QLatin1String("br") || name == QLatin1String("cr")) {
                out.append(QStringLiteral("\n"));
            } else if (name == QLatin1String("tbl")) {
                out.startTable();
            } else if (name == QLatin1String("tr")) {
                out.startRow();
            }
        } else if (token == QXmlStreamReader::EndElement) {
            if (name == QLatin1String("t"))
                inText = false;
            else if (name == QLatin1String("p"))
                out.endParagraph();
            else if (name == QLatin1String("tc"))
                out.endCell();
            else if (name == QLatin1String("tr"))
                out.endRow();
            else if (name == QLatin1String("tbl"))
                out.endTable();
        } else if (token == QXmlStreamReader::Characters && inText) {
            out.append(reader.text().toString());
        }
    }
    if (reader.hasError())
        return xmlError(context, part, reader);
    return out.take();
}

core::Result<ExtractedPage> readOdtBody(const QByteArray &xml, ParagraphCollector &out,
                                        const ExtractContext &context)
{
    const QString part = QStringLiteral("content.xml");
    QXmlStreamReader reader(xml);
    int paragraphDepth = 0; // text:p / text:h may nest through frames; text counts in any of them
    int listItemDepth = 0;
    qint64 events = 0;
    while (!reader.atEnd()) {
        const auto token = reader.readNext();
        if ((++events & 0xFFFF) == 0 && context.cancelled())
            return context.cancelledError();
        const auto name = reader.name();
        const bool textNs = reader.prefix() == QLatin1String("text");
        const bool tableNs = reader.prefix() == QLatin1String("table");
        if (token == QXmlStreamReader::StartElement) {
            if (textNs && (name == QLatin1String("p") || name == QLatin1String("h"))) {
                if (paragraphDepth++ > 0)
                    continue;
                if (name == QLatin1String("h")) {
                    const int level = reader.attributes().value(QLatin1String("text:outline-level")).toInt();
                    out.startParagraph(BlockKind::Heading, qBound(1, level, 6));
                } else {
                    out.startParagraph(listItemDepth > 0 ? BlockKind::ListItem : BlockKind::Paragraph);
                }
            } else if (textNs && name == QLatin1String("list-item")) {
                ++listItemDepth;
            } else if (textNs && name == QLatin1String("s")) {
                const int count = qMax(1, reader.attributes().value(QLatin1String("text:c")).toInt());
                out.append(QString(qMin(count, 1000), QLatin1Char(' ')));
            } else if (textNs && name == QLatin1String("tab")) {
                out.append(QStringLiteral("\t"));
            } else if (textNs && name == QLatin1String("line-break")) {
                out.append(QStringLiteral("\n"));
            } else if ((textNs && name == QLatin1String("note")) ||
                       (reader.prefix() == QLatin1String("office") && name == QLatin1String("annotation"))) {
                reader.skipCurrentElement(); // footnotes and comments would cut their paragraph in two
            } else if (tableNs && name == QLatin1String("table")) {
                out.startTable();
            } else if (tableNs && name == QLatin1String("table-row")) {
                out.startRow();
            }
        } else if (token == QXmlStreamReader::EndElement) {
            if (textNs && (name == QLatin1String("p") || name == QLatin1String("h"))) {
                if (--paragraphDepth == 0)
                    out.endParagraph();
            } else if (textNs && name == QLatin1String("list-item")) {
                --listItemDepth;
            } else if (tableNs && name == QLatin1String("table-cell")) {
                out.endCell();
            } else if (tableNs && name == QLatin1String("table-row")) {
                out.endRow();
            } else if (tableNs && name == QLatin1String("table")) {
                out.endTable();
            }
        } else if (token == QXmlStreamReader::Characters && paragraphDepth > 0) {
            out.append(reader.text().toString());
        }
    }
    if (reader.hasError())
        return xmlError(context, part, reader);
    return out.take();
}

using BodyReader = core::Result<ExtractedPage> (*)(const QByteArray &, ParagraphCollector &,
                                                   const ExtractContext &);

core::Result<ExtractionSummary> extractPackage(const QByteArray &bytes, const ExtractContext &context,
                                               const QString &bodyPart, const QString &metaPart,
                                               BodyReader readBody)
{
    auto opened = ZipArchive::open(bytes, context);
    if (!opened)
        return opened.error();
    ZipArchive &zip = *opened.value();
    auto title = metadataTitle(zip, metaPart, context);
    if (!title)
        return title.error();
    ParagraphCollector collector;
    core::Result<ExtractedPage> page = [&]() -> core::Result<ExtractedPage> {
        auto xml = zip.read(bodyPart, context);
        if (!xml)
            return xml.error();
        return readBody(xml.value(), collector, context);
    }();
    if (!page)
        return page.error();
    ExtractionSummary summary;
    summary.title = title.value().isEmpty() ? collector.firstHeading() : title.value();
    if (auto sent = emitSinglePage(std::move(page).value(), context); !sent)
        return sent.error();
    return summary;
}

} // namespace

core::Result<ExtractionSummary> extractDocx(const QByteArray &bytes, const ExtractContext &context)
{
    return extractPackage(bytes, context, QStringLiteral("word/document.xml"),
                          QStringLiteral("docProps/core.xml"), readDocxBody);
}

core::Result<ExtractionSummary> extractOdt(const QByteArray &bytes, const ExtractContext &context)
{
    return extractPackage(bytes, context, QStringLiteral("content.xml"), QStringLiteral("meta.xml"),
                          readOdtBody);
}

} // namespace agency::knowledge::detail
