#pragma once

#include "core/async/canceltoken.h"
#include "core/async/future.h"

#include <QJsonObject>
#include <QString>
#include <QUrl>

class QNetworkAccessManager;

namespace agency::tools {

/// A parsed answer of a JSON web service. Only 2xx and 4xx answers get here; `body` is empty
/// when a 4xx body was not a JSON object.
struct JsonReply
{
    int status = 0;
    QJsonObject body;
};

/// GETs `url` and parses the JSON object it returns — the transport of the weather back-ends.
///
/// Never follows redirects (a key in the query must not travel to another host), bounds the
/// body size (1 MiB) and the total time (`timeoutMs`), and honours `cancel` by aborting.
/// Messages never contain the URL (it may carry an API key); `service` names the service
/// ("Open-Meteo geocoding") instead.
///
/// Errors: Cancelled; ProviderTimeout (no answer in time); ProviderUnavailable (connection
/// failure, 5xx, redirect); ProviderMalformed (2xx body not a JSON object, or too large).
/// 4xx answers are *not* errors here: the caller decides what they mean.
///
/// Thread affinity: call on the thread that owns `nam`; the future finishes on that thread.
core::Async<JsonReply> getJson(QNetworkAccessManager &nam, const QUrl &url, const QString &service,
                               const core::CancelTokenPtr &cancel, int timeoutMs);

} // namespace agency::tools
