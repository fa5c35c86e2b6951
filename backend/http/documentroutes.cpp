// /documents and /search: a tenant's knowledge (docs/design.md#knowledge). Uploads are
// multipart/form-data; every operation names its tenant like the conversation routes, and another
// tenant's document is a 404.
#include "documentschemas.h"
#include "documentviews.h"
#include "httpserver/multipart.h"
#include "jsonviews.h"
#include "openapi.h"
#include "requestparsing.h"
#include "routes.h"
#include "service/agencyservice.h"

#include <QJsonArray>
#include <QUrl>

namespace agency::http {

namespace {

using namespace oa;

QString resource(const CallPtr &call)
{
    return QStringLiteral("document/") + call->pathParam(QStringLiteral("id"));
}

/// 415 with the agency's error body: the route takes another media type.
void unsupportedMediaType(const CallPtr &call, const QString &message)
{
    call->sendJson(
        415, QJsonObject{{QStringLiteral("error"),
                          QJsonObject{{QStringLiteral("code"), QStringLiteral("unsupported_media_type")},
                                      {QStringLiteral("message"), message},
                                      {QStringLiteral("details"), QJsonObject{}}}}});
}

/// The upload's parts, checked: exactly one `file` part with a file name, at most one
/// `collection`, nothing else.
core::Result<core::NewDocument> readUpload(const CallPtr &call, const QByteArray &boundary)
{
    auto parts = httpserver::parseFormData(call->body(), boundary);
    if (!parts)
        return parts.error();
    core::NewDocument document;
    bool haveFile = false;
    bool haveCollection = false;
    for (const httpserver::FormPart &part : parts.value()) {
        auto field = [&part](const QString &message) {
            return core::makeError(core::ErrorCode::InvalidArgument, message,
                                   {{QStringLiteral("field"), part.name}});
        };
        if (part.name == QLatin1String("file")) {
            if (haveFile)
                return field(QStringLiteral("file: send one file per request"));
            if (!part.isFile || part.fileName.trimmed().isEmpty())
                return field(QStringLiteral("file: the part needs a filename in its Content-Disposition"));
            haveFile = true;
            document.fileName = part.fileName.trimmed();
            document.mimeType = QString::fromLatin1(part.contentType);
            document.bytes = part.body;
        } else if (part.name == QLatin1String("collection")) {
            if (haveCollection || part.isFile)
                return field(QStringLiteral("collection: one text field, not a file"));
            haveCollection = true;
            document.collection = QString::fromUtf8(part.body).trimmed();
        } else {
            return field(
                QStringLiteral("%1: unknown field; the form takes file and collection").arg(part.name));
        }
    }
    if (!haveFile) {
        return core::makeError(core::ErrorCode::InvalidArgument, QStringLiteral("file: required"),
                               {{QStringLiteral("field"), QStringLiteral("file")}});
    }
    return document;
}

void upload(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    auto boundary = httpserver::formDataBoundary(call->header(QByteArrayLiteral("Content-Type")));
    if (!proceed(call, boundary))
        return;
    if (!boundary->has_value()) {
        return unsupportedMediaType(call,
                                    QStringLiteral("send the file as multipart/form-data (field `file`, "
                                                   "optional `collection`)"));
    }
    auto upload = readUpload(call, boundary->value());
    if (!proceed(call, upload))
        return;
    core::NewDocument document = upload.value();
    document.tenantId = tenant.value();
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().addDocument(document),
             [&ctx, call, tenantId](const core::AddedDocument &added) {
                 const QString id = added.document.documentId.toString(QUuid::WithoutBraces);
                 ctx.audit(call, QStringLiteral("document.add"), tenantId, QStringLiteral("document/") + id);
                 QJsonObject body = json::document(added.document);
                 body.insert(QStringLiteral("duplicate"), added.duplicate);
                 call->sendJson(
                     202, body,
                     {{QByteArrayLiteral("Location"), QByteArrayLiteral("/documents/") + id.toLatin1()}});
             });
}

void list(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    auto limit = queryLimit(*call, 100, core::limits::kMaxPageSize);
    if (!proceed(call, limit))
        return;
    core::DocumentQuery query;
    query.tenantId = tenant.value();
    query.collection = call->query(QStringLiteral("collection"));
    query.limit = limit.value();
    query.cursor = call->query(QStringLiteral("cursor"));
    if (call->hasQuery(QStringLiteral("status"))) {
        query.status = core::documentStatusFromName(call->query(QStringLiteral("status")));
        if (!query.status) {
            call->sendError(core::ErrorCode::InvalidArgument,
                            QStringLiteral("status: must be queued, extracting, embedding, ready or failed"),
                            {{QStringLiteral("field"), QStringLiteral("status")}});
            return;
        }
    }
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().listDocuments(query),
             [&ctx, call, tenantId](const core::Page<core::Document> &page) {
                 ctx.audit(call, QStringLiteral("document.list"), tenantId, QStringLiteral("documents"));
                 call->sendJson(200, json::page(page, json::document));
             });
}

void get(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("document_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().getDocument(tenantId, *id), [&ctx, call, tenantId](const core::Document &d) {
        ctx.audit(call, QStringLiteral("document.read"), tenantId, resource(call));
        call->sendJson(200, json::document(d));
    });
}

/// attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded (RFC 6266).
QByteArray contentDisposition(const QString &fileName)
{
    QByteArray ascii;
    for (const QChar ch : fileName)
        ascii += (ch.unicode() >= 0x20 && ch.unicode() < 0x7f && ch != u'"' && ch != u'\\')
                     ? char(ch.unicode())
                     : '_';
    return QByteArrayLiteral("attachment; filename=\"") + ascii + QByteArrayLiteral("\"; filename*=UTF-8''") +
           fileName.toUtf8().toPercentEncoding();
}

void content(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("document_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    const QString documentId = *id;
    ctx.then(call, ctx.service().getDocument(tenantId, documentId),
             [&ctx, call, tenantId, documentId](const core::Document &d) {
                 ctx.then(call, ctx.service().documentContent(tenantId, documentId),
                          [&ctx, call, tenantId, d](const QByteArray &bytes) {
                              ctx.audit(call, QStringLiteral("document.content"), tenantId, resource(call));
                              const QByteArray type = d.mimeType.isEmpty()
                                                          ? QByteArrayLiteral("application/octet-stream")
                                                          : d.mimeType.toLatin1();
                              call->sendBytes(200, type, bytes,
                                              {{QByteArrayLiteral("Content-Disposition"),
                                                contentDisposition(d.fileName)}});
                          });
             });
}

void remove(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    const std::optional<QString> id = callPathId(call, QStringLiteral("document_id"));
    if (!id)
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().deleteDocument(tenantId, *id), [&ctx, call, tenantId](bool) {
        ctx.audit(call, QStringLiteral("document.delete"), tenantId, resource(call));
        call->sendEmpty(204);
    });
}

void reindex(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    QJsonObject fields;
    if (!call->body().trimmed().isEmpty()) {
        auto body = call->jsonBody();
        if (!proceed(call, body) ||
            !proceed(call, onlyKnownFields(body.value(), {QStringLiteral("collection")})))
            return;
        fields = body.value();
    }
    auto collection = optionalString(fields, QStringLiteral("collection"));
    if (!proceed(call, collection))
        return;
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().reindexDocuments(tenantId, collection->value_or(QString())),
             [&ctx, call, tenantId](int queued) {
                 ctx.audit(call, QStringLiteral("document.reindex"), tenantId, QStringLiteral("documents"));
                 call->sendJson(202, QJsonObject{{QStringLiteral("queued"), queued}});
             });
}

void search(RouteContext &ctx, const CallPtr &call)
{
    const std::optional<QString> tenant = callTenant(call);
    if (!tenant)
        return;
    auto body = call->jsonBody();
    if (!proceed(call, body) ||
        !proceed(call, onlyKnownFields(body.value(), {QStringLiteral("query"), QStringLiteral("collection"),
                                                      QStringLiteral("k")})))
        return;
    auto text = requiredString(body.value(), QStringLiteral("query"));
    auto collection = optionalString(body.value(), QStringLiteral("collection"));
    if (!proceed(call, text) || !proceed(call, collection))
        return;
    core::DocumentSearchQuery query;
    query.tenantId = tenant.value();
    query.query = text.value();
    query.collection = collection->value_or(QString());
    if (body->contains(QStringLiteral("k"))) {
        const QJsonValue k = body->value(QStringLiteral("k"));
        if (!k.isDouble() || k.toDouble() != double(k.toInt()) || k.toInt() < 1 ||
            k.toInt() > kMaxSearchHits) {
            call->sendError(core::ErrorCode::InvalidArgument,
                            QStringLiteral("k: must be a whole number from 1 to %1").arg(kMaxSearchHits),
                            {{QStringLiteral("field"), QStringLiteral("k")}});
            return;
        }
        query.k = k.toInt();
    }
    const QString tenantId = tenant.value();
    ctx.then(call, ctx.service().searchDocuments(query),
             [&ctx, call, tenantId](const core::DocumentSearchResult &r) {
                 ctx.audit(call, QStringLiteral("document.search"), tenantId, QStringLiteral("documents"));
                 QJsonArray hits;
                 for (const core::DocumentHit &hit : r.hits)
                     hits.append(json::documentHit(hit));
                 call->sendJson(200, QJsonObject{{QStringLiteral("hits"), hits},
                                                 {QStringLiteral("indexing"), r.documentsIndexing}});
             });
}

QJsonObject tenantParam()
{
    return queryParam(
        QStringLiteral("tenant_id"),
        QStringLiteral("the tenant; required with a global admin key, else the key's own or omitted"),
        string());
}

} // namespace

void registerDocumentRoutes(Router &router, RouteContext &ctx)
{
    addDocumentSchemas(router);
    const QString tag = QStringLiteral("documents");
    const QJsonObject document =
        jsonResponse(QStringLiteral("the document"), ref(QStringLiteral("Document")), examples::document());
    router.add({"POST",
                QStringLiteral("/documents"),
                Access::Member,
                [&ctx](const CallPtr &c) { upload(ctx, c); },
                uploadOperation(tag, tenantParam()),
                {}});
    router.add(
        {"GET",
         QStringLiteral("/documents"),
         Access::Member,
         [&ctx](const CallPtr &c) { list(ctx, c); },
         operation(
             QStringLiteral("A tenant's documents, newest first"), tag,
             {{QStringLiteral("200"),
               jsonResponse(QStringLiteral("a page of documents"), page(ref(QStringLiteral("Document"))),
                            json::page(QJsonArray{examples::document()}, {}))}},
             {tenantParam(),
              queryParam(QStringLiteral("collection"), QStringLiteral("only this collection"), string()),
              queryParam(QStringLiteral("status"),
                         QStringLiteral("only queued, extracting, embedding, ready or failed"), string()),
              queryParam(QStringLiteral("limit"), QStringLiteral("1-200, default 100"), integer()),
              queryParam(QStringLiteral("cursor"), QStringLiteral("next_cursor of the previous page"),
                         string())}),
         {}});
    router.add({"GET",
                QStringLiteral("/documents/{id}"),
                Access::Member,
                [&ctx](const CallPtr &c) { get(ctx, c); },
                operation(QStringLiteral("One document: its status, progress and error"), tag,
                          {{QStringLiteral("200"), document}}, {tenantParam()}),
                {}});
    router.add({"GET",
                QStringLiteral("/documents/{id}/content"),
                Access::Member,
                [&ctx](const CallPtr &c) { content(ctx, c); },
                contentOperation(tag, tenantParam()),
                {}});
    router.add({"DELETE",
                QStringLiteral("/documents/{id}"),
                Access::TenantAdmin,
                [&ctx](const CallPtr &c) { remove(ctx, c); },
                operation(QStringLiteral("Delete a document, its bytes and its passages"), tag,
                          {{QStringLiteral("204"),
                            QJsonObject{{QStringLiteral("description"), QStringLiteral("deleted")}}}},
                          {tenantParam()}),
                {}});
    router.add({"POST",
                QStringLiteral("/documents/reindex"),
                Access::TenantAdmin,
                [&ctx](const CallPtr &c) { reindex(ctx, c); },
                reindexOperation(tag, tenantParam()),
                {}});
    router.add({"POST",
                QStringLiteral("/search"),
                Access::Member,
                [&ctx](const CallPtr &c) { search(ctx, c); },
                searchOperation(tag, tenantParam()),
                {}});
}

} // namespace agency::http
