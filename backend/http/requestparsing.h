#pragma once

#include "core/limits.h"
#include "httpserver/apicall.h"

#include <QUuid>

#include <optional>

namespace agency::http {

// Reading typed values out of requests. Every failure is a 422 (InvalidArgument) naming the
// field, except a body that is not JSON at all (400, from ApiCall::jsonBody()).

/// Sends `r`'s error as the call's answer when it failed; true when the handler may go on.
template <typename T> bool proceed(const httpserver::CallPtr &call, const core::Result<T> &r)
{
    if (!r)
        call->sendError(r.error());
    return r.ok();
}

/// `limit` from the query: `fallback` when absent; 1..max otherwise.
core::Result<int> queryLimit(const httpserver::ApiCall &call, int fallback, int max);
/// A string member: nullopt when absent (or null when `nullable`), an error when of another type.
core::Result<std::optional<QString>> optionalString(const QJsonObject &body, const QString &field);
/// A string member that must be present and non-empty.
core::Result<QString> requiredString(const QJsonObject &body, const QString &field);
/// An object member: nullopt when absent, an error when of another type.
core::Result<std::optional<QJsonObject>> optionalObject(const QJsonObject &body, const QString &field);
/// Fails when `body` has members other than `known`: InvalidArgument whose details name them
/// ({"field": the first, "unknown_fields": [...], "did_you_mean": {unknown: known}}) and whose
/// message suggests the known name a misspelt one most likely meant ("conversationId" for
/// "conversation_id"). `parent` prefixes the names of a nested object's members ("stream_options").
core::Status onlyKnownFields(const QJsonObject &body, const QStringList &known, const QString &parent = {});
/// The known name closest to `name`: the same letters in another case or style
/// (conversationId, conversation-id), else at most two edits away; empty when none is that close.
QString closestKnownField(const QString &name, const QStringList &known);
/// An id as text, read exactly: empty is the null id; anything but a UUID in its canonical
/// 36-character form (8-4-4-4-12 hex digits: no braces, spaces or trailing characters), and the
/// nil UUID, is InvalidArgument naming `field`.
core::Result<QUuid> parseId(const QString &text, const QString &field);
/// An ISO 8601 date or date-time from the query; `fallback` when absent.
core::Result<QDateTime> queryTime(const httpserver::ApiCall &call, const QString &name,
                                  const QDateTime &fallback);

/// The tenant this call acts in, given the tenant_id the client named (may be empty).
/// A tenant key: its own tenant; naming another is Forbidden. A global admin (or --no-auth):
/// the named tenant, which is then required (InvalidArgument when empty).
core::Result<QString> scopeTenant(const httpserver::ApiCall &call, const QString &requested);

/// The tenant a call acts in, from its `tenant_id` query parameter (see scopeTenant).
inline core::Result<QString> queryTenant(const httpserver::ApiCall &call)
{
    return scopeTenant(call, call.query(QStringLiteral("tenant_id")));
}

/// queryTenant(), recorded as the request's tenant in the access log; nullopt after the error
/// was sent as the call's answer (the handler returns).
inline std::optional<QString> callTenant(const httpserver::CallPtr &call)
{
    core::Result<QString> tenant = queryTenant(*call);
    if (!proceed(call, tenant))
        return std::nullopt;
    call->setLogTenant(tenant.value());
    return tenant.value();
}

/// The tenant named by the `{id}` path segment: another tenant than a tenant key's own is
/// NotFound (never Forbidden, which would confirm that it exists).
core::Result<QString> pathTenant(const httpserver::ApiCall &call);

/// The `{id}` path segment read with parseId() as `field` (conversation_id, run_id), as the
/// canonical text the service is given; nullopt after the error was sent as the call's answer.
/// A missing id is refused too.
std::optional<QString> callPathId(const httpserver::CallPtr &call, const QString &field);

} // namespace agency::http
