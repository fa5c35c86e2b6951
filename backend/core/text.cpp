#include "text.h"

#include <QTextBoundaryFinder>

namespace agency::core {

QString truncateGraphemes(const QString &text, qsizetype maxUnits)
{
    if (text.size() <= maxUnits)
        return text;
    if (maxUnits <= 0)
        return {};
    const QChar ellipsis(0x2026);
    // Room for the ellipsis; the cut is the last grapheme boundary that leaves it.
    const qsizetype budget = maxUnits - 1;
    QTextBoundaryFinder finder(QTextBoundaryFinder::Grapheme, text);
    finder.setPosition(budget);
    qsizetype cut = finder.isAtBoundary() ? budget : finder.toPreviousBoundary();
    if (cut < 0)
        cut = 0;
    return QStringView(text).left(cut).trimmed().toString() + ellipsis;
}

QString uuidRule()
{
    return QStringLiteral("must be a UUID other than the nil UUID (all zeros)");
}

} // namespace agency::core
