#include "cursor.h"

#include <QByteArray>

namespace agency::db {

QString encodeCursor(const Cursor &cursor)
{
    const QByteArray raw = QByteArray::number(cursor.micros) + '.' + QByteArray::number(cursor.id);
    return QString::fromLatin1(raw.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

core::Result<Cursor> decodeCursor(const QString &text)
{
    const auto decoded = QByteArray::fromBase64Encoding(
        text.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    const QList<QByteArray> parts = decoded ? decoded.decoded.split('.') : QList<QByteArray>{};
    bool okMicros = false;
    bool okId = false;
    Cursor cursor;
    if (parts.size() == 2) {
        cursor.micros = parts[0].toLongLong(&okMicros);
        cursor.id = parts[1].toLongLong(&okId);
    }
    if (!okMicros || !okId)
        return core::makeError(core::ErrorCode::InvalidArgument,
                               QStringLiteral("cursor: is not a cursor returned by this server"),
                               {{QStringLiteral("field"), QStringLiteral("cursor")}});
    return cursor;
}

} // namespace agency::db
