#pragma once

#include "core/result.h"

#include <QByteArray>
#include <QString>

namespace agency::knowledge::detail {

struct DecodedText
{
    QString text;     ///< line endings normalised to "\n", byte-order mark removed
    QString encoding; ///< e.g. "UTF-8", "UTF-16LE", "WINDOWS-1252", "SHIFT_JIS"
};

/// Decodes text of unknown encoding: a byte-order mark decides, then valid UTF-8, then a
/// `charsetHint` (an HTML meta charset), then uchardet's guess. Fails (InvalidArgument) on binary
/// data; `subject` starts the error sentence.
core::Result<DecodedText> decodeText(const QByteArray &bytes, const QString &subject,
                                     const QByteArray &charsetHint = {});

/// True when the bytes look like text rather than binary data (no NUL bytes outside UTF-16/32).
bool looksLikeText(const QByteArray &bytes);

} // namespace agency::knowledge::detail
