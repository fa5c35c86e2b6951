#pragma once

#include "httpserver/router.h"

#include <QJsonObject>

namespace agency::http {

/// Adds the schemas of the API's values (Tenant, Conversation, Message, Run, AuditEntry, UsageRow,
/// LimitStatus) to the router's OpenAPI components. They describe exactly what jsonviews.h writes.
void addValueSchemas(httpserver::Router &router);
/// The Approval schema (json::approval).
QJsonObject approvalSchema();

/// Examples of each value, made with the same functions that write real answers (jsonviews.h), so
/// they cannot drift from the implementation; a test validates them against the schemas.
namespace examples {
QJsonObject tenant();
QJsonObject conversation();
QJsonObject message();
QJsonObject run();
QJsonObject auditEntry();
QJsonObject usageRow();
QJsonObject limitStatus();
QJsonObject approval();
} // namespace examples

} // namespace agency::http
