#pragma once

#include "core/access.h"
#include "core/conversation.h"
#include "core/limitstatus.h"
#include "core/page.h"
#include "core/run.h"
#include "core/tenant.h"
#include "core/toolapproval.h"
#include "core/usagesummary.h"

#include <QJsonArray>
#include <QJsonObject>

namespace agency::http::json {

// The JSON shape of each value the API returns, in one place (the OpenAPI schemas in
// schemas.cpp describe exactly these).

QString timestamp(const QDateTime &t); ///< ISO 8601 UTC with milliseconds; null → ""
QJsonObject tenant(const core::Tenant &t);
QJsonObject conversation(const core::Conversation &c);
QJsonObject message(const core::Message &m);
QJsonObject run(const core::Run &r);
QJsonObject auditEntry(const core::AuditEntry &e);
/// A tool call that waits for (or had) a person's approval, with exactly the arguments it runs with.
QJsonObject approval(const core::ToolApproval &a);
QJsonObject usageRow(const core::UsageSummaryRow &row);
/// {"provider", "minute": {"limit","remaining","reset_ms"}, "hour": {…}}; limit 0 = unlimited.
QJsonObject limitStatus(const core::LimitStatus &status);
/// {"items": [...], "next_cursor": "..." or null}
QJsonObject page(const QJsonArray &items, const QString &nextCursor);
/// page() of a service page, each item shown by `view` (e.g. json::run).
template <typename T, typename View> QJsonObject page(const core::Page<T> &p, View view)
{
    QJsonArray items;
    for (const T &item : p.items)
        items.append(view(item));
    return page(items, p.nextCursor);
}

} // namespace agency::http::json
