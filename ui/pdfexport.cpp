#include "pdfexport.h"

#include "messagedocument.h"

#include <QFileInfo>
#include <QPageLayout>
#include <QPalette>
#include <QPdfWriter>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextOption>

namespace agency::ui {

QString writePdf(const QString &path, const QString &markdown, const QString &title)
{
    {
        QPdfWriter writer(path);
        writer.setTitle(title.isEmpty() ? QFileInfo(path).completeBaseName() : title);
        writer.setCreator(QStringLiteral("Agency Console"));
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(18, 18, 18, 18), QPageLayout::Millimeter);
        QTextDocument doc;
        doc.setMarkdown(markdown, QTextDocument::MarkdownDialectGitHub);
        QPalette paper; // printed on white whatever the window's colour scheme
        paper.setColor(QPalette::Base, Qt::white);
        paper.setColor(QPalette::Text, Qt::black);
        styleQuotesAndTables(doc, paper);
        // Code blocks come from Markdown as lines that never break: a one-line tool result
        // would run off the page. Every line wraps, between words or, for one long token,
        // anywhere: nothing may be lost from an export.
        QTextOption option = doc.defaultTextOption();
        option.setWrapMode(QTextOption::WrapAtWordBoundaryOrAnywhere);
        doc.setDefaultTextOption(option);
        QTextCursor cursor(&doc);
        for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
            if (!block.blockFormat().nonBreakableLines())
                continue;
            QTextBlockFormat format = block.blockFormat();
            format.setNonBreakableLines(false);
            cursor.setPosition(block.position());
            cursor.setBlockFormat(format);
        }
        doc.print(&writer);
    } // the writer finishes the file when destroyed
    const QFileInfo written(path);
    if (!written.exists() || written.size() == 0)
        return QStringLiteral("Could not write the PDF to %1").arg(path);
    return {};
}

} // namespace agency::ui
