#include "pdfexport.h"

#include <QFileInfo>
#include <QPageLayout>
#include <QPdfWriter>
#include <QTextDocument>

namespace agency::ui {

QString writePdf(const QString &path, const QString &markdown)
{
    {
        QPdfWriter writer(path);
        writer.setTitle(QFileInfo(path).completeBaseName());
        writer.setCreator(QStringLiteral("Agency Console"));
        writer.setPageSize(QPageSize(QPageSize::A4));
        writer.setPageMargins(QMarginsF(18, 18, 18, 18), QPageLayout::Millimeter);
        QTextDocument doc;
        doc.setMarkdown(markdown, QTextDocument::MarkdownDialectGitHub);
        doc.print(&writer);
    } // the writer finishes the file when destroyed
    const QFileInfo written(path);
    if (!written.exists() || written.size() == 0)
        return QStringLiteral("Could not write the PDF to %1").arg(path);
    return {};
}

} // namespace agency::ui
