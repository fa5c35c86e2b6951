#include "testdocuments.h"

#include <QBuffer>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QRandomGenerator>
#include <QStringEncoder>

#include <quazip/quazip.h>
#include <quazip/quazipfile.h>
#include <quazip/quazipnewinfo.h>

#include <functional>

namespace agency::test {
namespace {

QString xmlEscaped(const QString &text)
{
    return text.toHtmlEscaped();
}

// Writes one entry whose bytes come from `write` (called with the open entry).
bool writeEntry(QuaZip &zip, const QString &name, bool stored, const std::function<bool(QuaZipFile &)> &write)
{
    QuaZipFile file(&zip);
    if (!file.open(QIODevice::WriteOnly, QuaZipNewInfo(name), nullptr, 0, stored ? 0 : Z_DEFLATED, 9))
        return false;
    const bool ok = write(file);
    file.close();
    return ok && file.getZipError() == ZIP_OK;
}

QByteArray buildZip(const std::function<bool(QuaZip &)> &fill)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    QuaZip zip(&buffer);
    if (!zip.open(QuaZip::mdCreate) || !fill(zip))
        qFatal("testdocuments: cannot write a ZIP archive");
    zip.close();
    return bytes;
}

const QString kWordNs = QStringLiteral("http://schemas.openxmlformats.org/wordprocessingml/2006/main");

QByteArray docxContentTypes()
{
    return QByteArrayLiteral(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Default Extension=\"rels\" "
        "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Override PartName=\"/word/document.xml\" "
        "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>"
        "<Override PartName=\"/docProps/core.xml\" "
        "ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
        "</Types>");
}

QByteArray docxRelationships()
{
    return QByteArrayLiteral(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" "
        "Target=\"word/document.xml\"/></Relationships>");
}

QByteArray docxCore(const QString &title)
{
    return (QStringLiteral(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                "<cp:coreProperties "
                "xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
                "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>") +
            xmlEscaped(title) + QStringLiteral("</dc:title></cp:coreProperties>"))
        .toUtf8();
}

QString docxParagraph(const QString &text, const QString &style = {})
{
    const QString properties =
        style.isEmpty() ? QString() : QStringLiteral("<w:pPr><w:pStyle w:val=\"%1\"/></w:pPr>").arg(style);
    return QStringLiteral("<w:p>%1<w:r><w:t xml:space=\"preserve\">%2</w:t></w:r></w:p>")
        .arg(properties, xmlEscaped(text));
}

QByteArray docxBody(const QList<OfficeBlock> &blocks)
{
    QString body;
    bool inTable = false;
    for (const OfficeBlock &block : blocks) {
        if (inTable && block.kind != OfficeBlock::TableRow) {
            body += QStringLiteral("</w:tbl>");
            inTable = false;
        }
        switch (block.kind) {
        case OfficeBlock::Paragraph:
            body += docxParagraph(block.text.value(0));
            break;
        case OfficeBlock::Heading:
            body += docxParagraph(block.text.value(0), QStringLiteral("Heading%1").arg(block.level));
            break;
        case OfficeBlock::ListItem:
            body += docxParagraph(block.text.value(0), QStringLiteral("ListParagraph"));
            break;
        case OfficeBlock::TableRow:
            if (!inTable)
                body += QStringLiteral("<w:tbl>");
            inTable = true;
            body += QStringLiteral("<w:tr>");
            for (const QString &cell : block.text)
                body += QStringLiteral("<w:tc>") + docxParagraph(cell) + QStringLiteral("</w:tc>");
            body += QStringLiteral("</w:tr>");
            break;
        }
    }
    if (inTable)
        body += QStringLiteral("</w:tbl>");
    return (QStringLiteral(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"") +
            kWordNs + QStringLiteral("\"><w:body>") + body + QStringLiteral("</w:body></w:document>"))
        .toUtf8();
}

QByteArray odtContent(const QList<OfficeBlock> &blocks)
{
    QString body;
    enum { None, List, Table } open = None;
    const auto close = [&] {
        if (open == List)
            body += QStringLiteral("</text:list>");
        if (open == Table)
            body += QStringLiteral("</table:table>");
        open = None;
    };
    for (const OfficeBlock &block : blocks) {
        const QString text = xmlEscaped(block.text.value(0));
        switch (block.kind) {
        case OfficeBlock::Paragraph:
            close();
            body += QStringLiteral("<text:p>%1</text:p>").arg(text);
            break;
        case OfficeBlock::Heading:
            close();
            body +=
                QStringLiteral("<text:h text:outline-level=\"%1\">%2</text:h>").arg(block.level).arg(text);
            break;
        case OfficeBlock::ListItem:
            if (open != List) {
                close();
                body += QStringLiteral("<text:list>");
                open = List;
            }
            body += QStringLiteral("<text:list-item><text:p>%1</text:p></text:list-item>").arg(text);
            break;
        case OfficeBlock::TableRow:
            if (open != Table) {
                close();
                body += QStringLiteral("<table:table>");
                open = Table;
            }
            body += QStringLiteral("<table:table-row>");
            for (const QString &cell : block.text)
                body += QStringLiteral("<table:table-cell><text:p>%1</text:p></table:table-cell>")
                            .arg(xmlEscaped(cell));
            body += QStringLiteral("</table:table-row>");
            break;
        }
    }
    close();
    return (QStringLiteral(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-content "
                "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
                "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
                "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" office:version=\"1.2\">"
                "<office:body><office:text>") +
            body + QStringLiteral("</office:text></office:body></office:document-content>"))
        .toUtf8();
}

QByteArray odtMeta(const QString &title)
{
    return (QStringLiteral("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document-meta "
                           "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
                           "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" office:version=\"1.2\">"
                           "<office:meta><dc:title>") +
            xmlEscaped(title) + QStringLiteral("</dc:title></office:meta></office:document-meta>"))
        .toUtf8();
}

// Overwrites the uncompressed size of every entry named `name`, in its local and central headers.
void declareUncompressedSize(QByteArray &zip, const QByteArray &name, quint32 size)
{
    const auto patch = [&](const QByteArray &signature, int nameLengthAt, int nameAt, int sizeAt) {
        for (qsizetype at = zip.indexOf(signature); at >= 0; at = zip.indexOf(signature, at + 4)) {
            const auto u16 = [&](qsizetype p) { return quint8(zip[p]) | quint16(quint8(zip[p + 1])) << 8; };
            if (zip.mid(at + nameAt, u16(at + nameLengthAt)) != name)
                continue;
            for (int i = 0; i < 4; ++i)
                zip[at + sizeAt + i] = char((size >> (8 * i)) & 0xFF);
        }
    };
    patch(QByteArray("PK\x03\x04", 4), 26, 30, 22);
    patch(QByteArray("PK\x01\x02", 4), 28, 46, 24);
}

const QStringList kWords = {
    QStringLiteral("contract"),  QStringLiteral("client"),    QStringLiteral("delivery"),
    QStringLiteral("schedule"),  QStringLiteral("budget"),    QStringLiteral("review"),
    QStringLiteral("quarterly"), QStringLiteral("report"),    QStringLiteral("the"),
    QStringLiteral("of"),        QStringLiteral("and"),       QStringLiteral("within"),
    QStringLiteral("supplier"),  QStringLiteral("invoice"),   QStringLiteral("payment"),
    QStringLiteral("terms"),     QStringLiteral("risk"),      QStringLiteral("analysis"),
    QStringLiteral("market"),    QStringLiteral("growth"),    QStringLiteral("team"),
    QStringLiteral("project"),   QStringLiteral("milestone"), QStringLiteral("approval")};

// A PDF written by hand: catalog, page tree, Helvetica, info, then a page and its content stream
// per page, and the encryption dictionary when given (with the file identifier it needs).
QByteArray buildSimplePdf(const QStringList &pages, const QString &title, const QByteArray &encrypt)
{
    const auto escaped = [](const QString &text) {
        QByteArray out;
        for (const char c : text.toLatin1()) {
            if (c == '(' || c == ')' || c == '\\')
                out += '\\';
            out += c;
        }
        return out;
    };
    const int firstPage = 5; // 1 catalog, 2 pages, 3 font, 4 info
    QByteArray kids;
    for (qsizetype i = 0; i < pages.size(); ++i)
        kids += QByteArray::number(firstPage + 2 * i) + " 0 R ";
    QList<QByteArray> objects; // object i + 1
    objects << "<< /Type /Catalog /Pages 2 0 R >>"
            << "<< /Type /Pages /Kids [" + kids + "] /Count " + QByteArray::number(pages.size()) + " >>"
            << "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
            << "<< /Title (" + escaped(title) + ") >>";
    for (qsizetype i = 0; i < pages.size(); ++i) {
        QByteArray content = "BT /F1 11 Tf 14 TL 56 780 Td\n";
        for (const QString &line : pages[i].split(QLatin1Char('\n')))
            content += "(" + escaped(line) + ") Tj T*\n";
        content += "ET";
        objects
            << "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
               "/Contents " +
                   QByteArray::number(firstPage + 2 * i + 1) + " 0 R >>"
            << "<< /Length " + QByteArray::number(content.size()) + " >>\nstream\n" + content + "\nendstream";
    }
    QByteArray trailerExtra;
    if (!encrypt.isEmpty()) {
        objects << encrypt;
        trailerExtra = " /Encrypt " + QByteArray::number(objects.size()) +
                       " 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]";
    }
    QByteArray pdf = "%PDF-1.4\n";
    QList<qsizetype> offsets;
    for (qsizetype i = 0; i < objects.size(); ++i) {
        offsets.append(pdf.size());
        pdf += QByteArray::number(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const qsizetype xref = pdf.size();
    pdf += "xref\n0 " + QByteArray::number(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (const qsizetype offset : offsets)
        pdf += QByteArray::number(offset).rightJustified(10, '0') + " 00000 n \n";
    pdf += "trailer\n<< /Size " + QByteArray::number(objects.size() + 1) + " /Root 1 0 R /Info 4 0 R" +
           trailerExtra + " >>\nstartxref\n" + QByteArray::number(xref) + "\n%%EOF\n";
    return pdf;
}

} // namespace

QStringList generatedPages(int pageCount, int charsPerPage)
{
    QRandomGenerator random(20240607);
    QStringList pages;
    for (int page = 1; page <= pageCount; ++page) {
        QString text = QStringLiteral("Page %1. ").arg(page);
        int sentence = 0;
        while (text.size() < charsPerPage) {
            const int words = 8 + int(random.bounded(10));
            QString s;
            for (int w = 0; w < words; ++w)
                s += (w ? QStringLiteral(" ") : QString()) + kWords[int(random.bounded(kWords.size()))];
            s[0] = s[0].toUpper();
            text += s + QStringLiteral(". ");
            if (++sentence % 6 == 0)
                text += QStringLiteral("\n");
        }
        pages.append(text.trimmed());
    }
    return pages;
}

QByteArray encodeText(const QString &text, const char *encoding, bool withBom)
{
    QStringEncoder encoder(encoding,
                           withBom ? QStringEncoder::Flag::WriteBom : QStringEncoder::Flag::Default);
    if (!encoder.isValid())
        qFatal("testdocuments: unknown encoding %s", encoding);
    return encoder.encode(text);
}

QByteArray makePdf(const QStringList &pages, const QString &title)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter writer(&buffer);
    writer.setTitle(title);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(300);
    QPainter painter(&writer);
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPointSizeF(9);
    painter.setFont(font);
    const QRect area(0, 0, writer.width(), writer.height());
    for (qsizetype i = 0; i < pages.size(); ++i) {
        if (i > 0)
            writer.newPage();
        painter.drawText(area, Qt::TextWordWrap | Qt::AlignLeft | Qt::AlignTop, pages[i]);
    }
    painter.end();
    return bytes;
}

QByteArray makeImageOnlyPdf(int pages)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QPdfWriter writer(&buffer);
    writer.setPageSize(QPageSize(QPageSize::A4));
    writer.setResolution(150);
    QPainter painter(&writer);
    for (int i = 0; i < pages; ++i) {
        if (i > 0)
            writer.newPage();
        // The "scan": text painted into a bitmap, the bitmap onto the page.
        QImage scan(600, 300, QImage::Format_Grayscale8);
        scan.fill(Qt::white);
        QPainter scanPainter(&scan);
        scanPainter.drawText(scan.rect(), Qt::TextWordWrap,
                             QStringLiteral("Scanned page %1 of a contract").arg(i + 1));
        scanPainter.end();
        painter.drawImage(QRect(0, 0, writer.width(), writer.width() / 2), scan);
    }
    painter.end();
    return bytes;
}

QByteArray makeSimplePdf(const QStringList &pages, const QString &title)
{
    return buildSimplePdf(pages, title, {});
}

QByteArray makeEncryptedPdf()
{
    // The standard security handler (revision 2, 40-bit RC4). /U is not what the empty user
    // password produces, so no reader opens the file without a password.
    const QByteArray encrypt = "<< /Filter /Standard /V 1 /R 2 /P -44 /O <" + QByteArray(64, 'a') + "> /U <" +
                               QByteArray(64, 'b') + "> >>";
    return buildSimplePdf({QStringLiteral("Confidential terms of the agreement.")}, {}, encrypt);
}

QByteArray makeZip(const QList<ZipEntry> &entries)
{
    return buildZip([&](QuaZip &zip) {
        for (const ZipEntry &entry : entries) {
            if (!writeEntry(zip, entry.name, entry.stored,
                            [&](QuaZipFile &file) { return file.write(entry.data) == entry.data.size(); }))
                return false;
        }
        return true;
    });
}

QByteArray makeDocx(const QList<OfficeBlock> &blocks, const QString &title)
{
    QList<ZipEntry> entries = {{QStringLiteral("[Content_Types].xml"), docxContentTypes()},
                               {QStringLiteral("_rels/.rels"), docxRelationships()},
                               {QStringLiteral("word/document.xml"), docxBody(blocks)}};
    if (!title.isEmpty())
        entries.append({QStringLiteral("docProps/core.xml"), docxCore(title)});
    return makeZip(entries);
}

QByteArray makeOdt(const QList<OfficeBlock> &blocks, const QString &title)
{
    QList<ZipEntry> entries = {
        {QStringLiteral("mimetype"), QByteArrayLiteral("application/vnd.oasis.opendocument.text"), true},
        {QStringLiteral("content.xml"), odtContent(blocks)}};
    if (!title.isEmpty())
        entries.append({QStringLiteral("meta.xml"), odtMeta(title)});
    return makeZip(entries);
}

QByteArray makeZipBombDocx(qint64 uncompressedBytes)
{
    return buildZip([&](QuaZip &zip) {
        const auto small = [](const QByteArray &data) {
            return [data](QuaZipFile &file) { return file.write(data) == data.size(); };
        };
        if (!writeEntry(zip, QStringLiteral("[Content_Types].xml"), false, small(docxContentTypes())) ||
            !writeEntry(zip, QStringLiteral("_rels/.rels"), false, small(docxRelationships())))
            return false;
        // Valid XML all the way: a paragraph whose text is spaces, written a mebibyte at a time.
        const QByteArray head = "<?xml version=\"1.0\"?><w:document xmlns:w=\"" + kWordNs.toUtf8() +
                                "\"><w:body><w:p><w:r><w:t xml:space=\"preserve\">";
        const QByteArray tail = "</w:t></w:r></w:p></w:body></w:document>";
        return writeEntry(zip, QStringLiteral("word/document.xml"), false, [&](QuaZipFile &file) {
            if (file.write(head) != head.size())
                return false;
            const QByteArray block(1 << 20, ' ');
            for (qint64 left = qMax<qint64>(0, uncompressedBytes - head.size() - tail.size()); left > 0;) {
                const qint64 n = qMin<qint64>(left, block.size());
                if (file.write(block.constData(), n) != n)
                    return false;
                left -= n;
            }
            return file.write(tail) == tail.size();
        });
    });
}

QByteArray makeLyingZipBombDocx(qint64 uncompressedBytes)
{
    QByteArray zip = makeZipBombDocx(uncompressedBytes);
    declareUncompressedSize(zip, QByteArrayLiteral("word/document.xml"), 1000);
    return zip;
}

} // namespace agency::test
