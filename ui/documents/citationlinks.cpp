#include "citationlinks.h"

#include "core/citationjson.h"
#include "documentviewer.h"
#include "ui/messagedocument.h"

#include <QPalette>
#include <QRegularExpression>
#include <QSet>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>

namespace agency::ui {

QColor readableLinkColor(const QPalette &palette)
{
    const bool dark = palette.color(QPalette::Base).lightness() < 128;
    return dark ? QColor(0x8a, 0xb8, 0xff) : palette.color(QPalette::Link);
}

void linkCitations(QTextDocument &doc, const QList<core::Citation> &citations, const QPalette &palette)
{
    if (citations.isEmpty())
        return;
    QSet<int> numbers;
    for (const core::Citation &c : citations)
        numbers.insert(c.number);
    static const QRegularExpression kMarker(QStringLiteral("\\[(\\d{1,4})\\]"));
    QTextCharFormat link;
    link.setAnchor(true);
    link.setForeground(readableLinkColor(palette));
    link.setFontUnderline(true);
    for (QTextBlock block = doc.begin(); block.isValid(); block = block.next()) {
        if (isCodeBlock(block))
            continue;
        auto matches = kMarker.globalMatch(block.text());
        while (matches.hasNext()) {
            const QRegularExpressionMatch m = matches.next();
            const int number = m.captured(1).toInt();
            if (!numbers.contains(number))
                continue;
            QTextCursor cursor(&doc);
            cursor.setPosition(block.position() + int(m.capturedStart()));
            cursor.setPosition(block.position() + int(m.capturedEnd()), QTextCursor::KeepAnchor);
            link.setAnchorHref(QLatin1String(kCitationScheme) + QString::number(number));
            link.setToolTip(QStringLiteral("Open the cited passage"));
            cursor.mergeCharFormat(link);
        }
    }
}

int citationAt(const QTextDocument &doc, int position)
{
    // A hit test rounds to the nearest cursor position: a click on the right half of "]" lands
    // just after the link, so the character before counts too.
    for (const int pos : {position, position - 1}) {
        const QTextBlock block = doc.findBlock(pos);
        for (auto it = block.begin(); block.isValid() && !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (!fragment.contains(pos))
                continue;
            const QString href = fragment.charFormat().anchorHref();
            if (href.startsWith(QLatin1String(kCitationScheme)))
                return href.mid(int(qstrlen(kCitationScheme))).toInt();
        }
    }
    return 0;
}

DocumentViewer *openCitation(service::AgencyService &service, const QString &tenantId,
                             const QJsonObject &metadata, int number, QWidget *parent)
{
    for (const core::Citation &c : core::citationsOfMetadata(metadata)) {
        if (c.number != number)
            continue;
        auto *viewer = new DocumentViewer(service, tenantId, c, parent);
        viewer->setAttribute(Qt::WA_DeleteOnClose);
        viewer->show();
        return viewer;
    }
    return nullptr;
}

} // namespace agency::ui
