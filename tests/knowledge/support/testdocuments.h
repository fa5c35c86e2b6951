#pragma once

// Documents generated for the knowledge tests and the ingestion benchmark, so no binary fixture
// is checked in and every test says what its document holds.

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>

namespace agency::test {

/// A PDF with a real text layer, one page per string, painted by QPdfWriter (needs a
/// QGuiApplication). "\n" breaks a line; long lines wrap.
QByteArray makePdf(const QStringList &pages, const QString &title = {});
/// A PDF built by hand with the standard Helvetica font: ASCII text, one page per string, no
/// QGuiApplication needed. Lines are split at "\n".
QByteArray makeSimplePdf(const QStringList &pages, const QString &title = {});
/// A "scanned" PDF: each page only an image of text, no text layer (needs a QGuiApplication).
QByteArray makeImageOnlyPdf(int pages = 2);
/// A PDF whose content is encrypted with a user password (the standard security handler).
QByteArray makeEncryptedPdf();
/// `pageCount` pages of varied English prose, each starting "Page N." (for makePdf).
QStringList generatedPages(int pageCount, int charsPerPage = 2500);

/// `text` in `encoding` (any name QStringEncoder knows: "UTF-16LE", "windows-1252", "Shift_JIS"…),
/// preceded by its byte-order mark when `withBom` (UTF-8/16/32 only).
QByteArray encodeText(const QString &text, const char *encoding, bool withBom = false);

/// A block of a generated word-processing document.
struct OfficeBlock
{
    enum Kind { Paragraph, Heading, ListItem, TableRow };
    Kind kind = Paragraph;
    QStringList text; ///< one string; a TableRow's cells
    int level = 1;    ///< Heading level
    static OfficeBlock paragraph(const QString &text) { return {Paragraph, {text}, 0}; }
    static OfficeBlock heading(const QString &text, int level = 1) { return {Heading, {text}, level}; }
    static OfficeBlock listItem(const QString &text) { return {ListItem, {text}, 0}; }
    static OfficeBlock row(const QStringList &cells) { return {TableRow, cells, 0}; }
};

/// A Word document (word/document.xml with Heading1..6 styles, a table for consecutive rows,
/// docProps/core.xml with the title when given).
QByteArray makeDocx(const QList<OfficeBlock> &blocks, const QString &title = {});
/// An OpenDocument text (mimetype stored first, content.xml with text:h/text:p/text:list/tables,
/// meta.xml with the title when given).
QByteArray makeOdt(const QList<OfficeBlock> &blocks, const QString &title = {});

struct ZipEntry
{
    QString name;
    QByteArray data;
    bool stored = false; ///< no compression (an ODT's mimetype)
};
QByteArray makeZip(const QList<ZipEntry> &entries);

/// A DOCX whose word/document.xml inflates to `uncompressedBytes` of XML padding (about a
/// thousand times its compressed size).
QByteArray makeZipBombDocx(qint64 uncompressedBytes);
/// The same, but its ZIP headers declare word/document.xml 1,000 bytes long: only inflating
/// shows its real size.
QByteArray makeLyingZipBombDocx(qint64 uncompressedBytes);

} // namespace agency::test
