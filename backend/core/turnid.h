#pragma once

#include "error.h"
#include "result.h"

#include <QString>
#include <QUuid>

#include <algorithm>

namespace agency::core {

/// Longest client-chosen turn key (an Idempotency-Key header, `aiagency chat --turn-id`).
constexpr int kMaxTurnKeyLength = 255;

/// The turn id a client's key names (docs/design.md#turn): a UUID names itself, any other key the
/// UUID made from it (version 5, in a namespace of this program's own), so equal keys give equal
/// ids in every process. An empty key gives a null id (the engine makes one). InvalidArgument,
/// naming `field`, for a key that is not 1 to 255 printable ASCII characters.
inline Result<QUuid> turnIdFromKey(const QString &key, const QString &field)
{
    if (key.isEmpty())
        return QUuid();
    const bool printable = std::all_of(key.cbegin(), key.cend(),
                                       [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
    if (key.size() > kMaxTurnKeyLength || !printable || key.trimmed().isEmpty()) {
        return makeError(ErrorCode::InvalidArgument,
                         QStringLiteral("%1: must be 1 to %2 printable ASCII characters")
                             .arg(field)
                             .arg(kMaxTurnKeyLength),
                         {{QStringLiteral("field"), field}});
    }
    const QUuid asUuid = QUuid::fromString(key);
    if (!asUuid.isNull())
        return asUuid;
    static const QUuid kNamespace = QUuid::fromString(QLatin1String("6f0f1c9e-4b1e-4d55-9c53-2a8e1f7b3d10"));
    return QUuid::createUuidV5(kNamespace, key);
}

} // namespace agency::core
