#include "citations.h"

#include <QHash>
#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

namespace agency::flows {

QList<core::Citation> resolveCitations(const QString &answer, const QList<QJsonObject> &toolResults)
{
    QHash<int, core::Citation> passages;
    for (const QJsonObject &result : toolResults) {
        for (const QJsonValue &value : result.value(QLatin1String("hits")).toArray()) {
            const QJsonObject hit = value.toObject();
            const int number = hit.value(QLatin1String("citation")).toInt();
            const QUuid documentId = QUuid::fromString(hit.value(QLatin1String("document_id")).toString());
            if (number <= 0 || documentId.isNull())
                continue;
            core::Citation c;
            c.number = number;
            c.documentId = documentId;
            c.chunkId = hit.value(QLatin1String("chunk_id")).toInteger();
            c.title = hit.value(QLatin1String("title")).toString();
            c.page = hit.value(QLatin1String("page")).toInt();
            c.start = hit.value(QLatin1String("start")).toInteger();
            c.end = hit.value(QLatin1String("end")).toInteger();
            passages.insert(number, c);
        }
    }
    QList<core::Citation> cited;
    if (passages.isEmpty())
        return cited;
    static const QRegularExpression bracket(QStringLiteral("\\[(\\d{1,4}(?:\\s*,\\s*\\d{1,4})*)\\]"));
    QSet<int> seen;
    for (auto it = bracket.globalMatch(answer); it.hasNext();) {
        const QStringList numbers = it.next().captured(1).split(u',');
        for (const QString &text : numbers) {
            const int number = text.trimmed().toInt();
            if (passages.contains(number) && !seen.contains(number)) {
                seen.insert(number);
                cited.append(passages.value(number));
            }
        }
    }
    return cited;
}

} // namespace agency::flows
