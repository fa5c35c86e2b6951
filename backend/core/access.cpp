#include "access.h"

namespace agency::core {

QString keyRoleName(KeyRole role)
{
    return role == KeyRole::Admin ? QStringLiteral("admin") : QStringLiteral("member");
}

std::optional<KeyRole> keyRoleFromName(const QString &name)
{
    if (name == QLatin1String("member"))
        return KeyRole::Member;
    if (name == QLatin1String("admin"))
        return KeyRole::Admin;
    return std::nullopt;
}

} // namespace agency::core
