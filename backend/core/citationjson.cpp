#include "citationjson.h"

namespace agency::core {

QJsonObject citationToJson(const Citation &citation)
{
    return {{QStringLiteral("number"), citation.number},
            {QStringLiteral("document_id"), citation.documentId.toString(QUuid::WithoutBraces)},
            {QStringLiteral("chunk_id"), citation.chunkId},
            {QStringLiteral("title"), citation.title},
            {QStringLiteral("page"), citation.page},
            {QStringLiteral("start"), citation.start},
            {QStringLiteral("end"), citation.end}};
}

QJsonArray citationsToJson(const QList<Citation> &citations)
{
    QJsonArray array;
    for (const Citation &citation : citations)
        array.append(citationToJson(citation));
    return array;
}

QList<Citation> citationsFromJson(const QJsonArray &array)
{
    QList<Citation> citations;
    for (const QJsonValue &value : array) {
        const QJsonObject o = value.toObject();
        const QUuid documentId = QUuid::fromString(o.value(QLatin1String("document_id")).toString());
        const int number = o.value(QLatin1String("number")).toInt();
        if (documentId.isNull() || number <= 0)
            continue;
        Citation c;
        c.number = number;
        c.documentId = documentId;
        c.chunkId = o.value(QLatin1String("chunk_id")).toInteger();
        c.title = o.value(QLatin1String("title")).toString();
        c.page = o.value(QLatin1String("page")).toInt();
        c.start = o.value(QLatin1String("start")).toInteger();
        c.end = o.value(QLatin1String("end")).toInteger();
        citations.append(c);
    }
    return citations;
}

QList<Citation> citationsOfMetadata(const QJsonObject &metadata)
{
    return citationsFromJson(metadata.value(QLatin1String("citations")).toArray());
}

} // namespace agency::core
