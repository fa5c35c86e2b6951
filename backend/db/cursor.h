#pragma once

#include "core/result.h"

#include <QString>

namespace agency::db {

/// Opaque keyset cursor: a (microsecond timestamp, row id) pair, base64url-encoded.
struct Cursor
{
    qint64 micros = 0;
    qint64 id = 0;
};
QString encodeCursor(const Cursor &cursor);
/// InvalidArgument naming the field "cursor" for text that no encodeCursor() produced.
core::Result<Cursor> decodeCursor(const QString &text);

} // namespace agency::db
