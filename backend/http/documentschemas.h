#pragma once

#include "httpserver/router.h"

#include <QJsonArray>
#include <QJsonObject>

namespace agency::http {

/// Most passages one POST /search (or search_documents call) returns.
constexpr int kMaxSearchHits = 20;

/// Adds Document, DocumentHit, DocumentSearchResult and Citation to the OpenAPI components; they
/// describe exactly what documentviews.h and core/citationjson.h write.
void addDocumentSchemas(httpserver::Router &router);

// The OpenAPI operations of the document routes that need more than oa::operation().
QJsonObject uploadOperation(const QString &tag, const QJsonObject &tenantParam);
QJsonObject contentOperation(const QString &tag, const QJsonObject &tenantParam);
QJsonObject reindexOperation(const QString &tag, const QJsonObject &tenantParam);
QJsonObject searchOperation(const QString &tag, const QJsonObject &tenantParam);
QJsonObject embeddingsOperation();

namespace examples {
QJsonObject document();
} // namespace examples

} // namespace agency::http
