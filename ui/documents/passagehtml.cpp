#include "passagehtml.h"

#include <QRegularExpression>
#include <QStringList>

namespace agency::ui {

QString passageHtml(const QString &passage, const QString &query)
{
    static const QRegularExpression kNonWord(QStringLiteral("[^\\w]+"),
                                             QRegularExpression::UseUnicodePropertiesOption);
    QStringList words;
    for (const QString &w : query.split(kNonWord, Qt::SkipEmptyParts)) {
        if (w.size() >= 2 || w.front().isDigit())
            words.append(QRegularExpression::escape(w));
    }
    if (words.isEmpty())
        return passage.toHtmlEscaped();
    const QRegularExpression match(QStringLiteral("\\b(?:%1)\\b").arg(words.join(QLatin1Char('|'))),
                                   QRegularExpression::CaseInsensitiveOption |
                                       QRegularExpression::UseUnicodePropertiesOption);
    QString html;
    qsizetype at = 0;
    auto it = match.globalMatch(passage);
    while (it.hasNext()) {
        const QRegularExpressionMatch m = it.next();
        html += passage.mid(at, m.capturedStart() - at).toHtmlEscaped();
        // Fixed colours: readable in the light and the dark scheme alike.
        html += QStringLiteral("<b style=\"background-color:#f2c94c; color:#000\">") +
                m.captured().toHtmlEscaped() + QStringLiteral("</b>");
        at = m.capturedEnd();
    }
    html += passage.mid(at).toHtmlEscaped();
    return html;
}

} // namespace agency::ui
