#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QString>

namespace agency::core {

/// A customer of the agency: every conversation, run and usage row belongs to one. Plain value.
struct Tenant
{
    QString tenantId;
    QString name;
    QJsonObject settings;
    qint64 conversationCount = 0;
    QDateTime createdAt;
    QDateTime updatedAt;
};

} // namespace agency::core
