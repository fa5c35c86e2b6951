#pragma once

#include "core/access.h"
#include "db/records.h"
#include "db/runrepository.h"
#include "ratelimit/ratelimiter.h"
#include "ratelimit/usagerecorder.h"

#include <QJsonObject>

namespace agency::http::json {

// The JSON shape of each value the API returns, in one place (the OpenAPI schemas in
// schemas.cpp describe exactly these).

QString timestamp(const QDateTime &t); ///< ISO 8601 UTC with milliseconds; null → ""
QJsonObject tenant(const db::Tenant &t);
QJsonObject conversation(const db::Conversation &c);
QJsonObject message(const db::Message &m);
QJsonObject run(const db::Run &r);
QJsonObject auditEntry(const core::AuditEntry &e);
QJsonObject usageRow(const ratelimit::UsageSummaryRow &row);
/// {"provider", "minute": {"limit","remaining","reset_ms"}, "hour": {…}}; limit 0 = unlimited.
QJsonObject limitStatus(const ratelimit::LimitStatus &status);
/// {"items": [...], "next_cursor": "..." or null}
QJsonObject page(const QJsonArray &items, const QString &nextCursor);

} // namespace agency::http::json
