#include "documentschemas.h"

#include "core/citationjson.h"
#include "documentviews.h"
#include "openapi.h"

namespace agency::http {

namespace {

using namespace oa;

QJsonObject number()
{
    return {{QStringLiteral("type"), QStringLiteral("number")}};
}

QJsonObject documentSchema()
{
    const QJsonObject properties{
        {QStringLiteral("document_id"), string()},
        {QStringLiteral("tenant_id"), string()},
        {QStringLiteral("collection"), string()},
        {QStringLiteral("title"), string()},
        {QStringLiteral("file_name"), string()},
        {QStringLiteral("mime_type"), string()},
        {QStringLiteral("size_bytes"), integer()},
        {QStringLiteral("content_sha256"), string()},
        {QStringLiteral("status"),
         QJsonObject{
             {QStringLiteral("type"), QStringLiteral("string")},
             {QStringLiteral("enum"),
              QJsonArray{QStringLiteral("queued"), QStringLiteral("extracting"), QStringLiteral("embedding"),
                         QStringLiteral("ready"), QStringLiteral("failed")}}}},
        {QStringLiteral("progress"), number()},
        {QStringLiteral("error"), nullableString()},
        {QStringLiteral("page_count"), integer()},
        {QStringLiteral("chunk_count"), integer()},
        {QStringLiteral("embedding_model"), string()},
        {QStringLiteral("created_at"), string()},
        {QStringLiteral("updated_at"), string()},
        {QStringLiteral("duplicate"), boolean()}};
    QStringList required = properties.keys();
    required.removeAll(QStringLiteral("duplicate")); // only in the answer to an upload
    return object(properties, required);
}

QJsonObject hitSchema()
{
    return object({{QStringLiteral("document_id"), string()},
                   {QStringLiteral("title"), string()},
                   {QStringLiteral("collection"), string()},
                   {QStringLiteral("chunk_id"), integer()},
                   {QStringLiteral("page"), integer()},
                   {QStringLiteral("start"), integer()},
                   {QStringLiteral("end"), integer()},
                   {QStringLiteral("text"), string()},
                   {QStringLiteral("score"), number()}},
                  {QStringLiteral("document_id"), QStringLiteral("title"), QStringLiteral("chunk_id"),
                   QStringLiteral("page"), QStringLiteral("start"), QStringLiteral("end"),
                   QStringLiteral("text"), QStringLiteral("score")});
}

QJsonObject citationSchema()
{
    QJsonObject properties;
    const QJsonObject sample = core::citationToJson(core::Citation{});
    for (auto it = sample.begin(); it != sample.end(); ++it)
        properties.insert(it.key(), it.value().isString() ? string() : integer());
    return object(properties, properties.keys());
}

QJsonObject searchResultSchema()
{
    return object({{QStringLiteral("hits"), array(ref(QStringLiteral("DocumentHit")))},
                   {QStringLiteral("indexing"), integer()}},
                  {QStringLiteral("hits"), QStringLiteral("indexing")});
}

} // namespace

void addDocumentSchemas(httpserver::Router &router)
{
    router.addSchema(QStringLiteral("Document"), documentSchema());
    router.addSchema(QStringLiteral("DocumentHit"), hitSchema());
    router.addSchema(QStringLiteral("DocumentSearchResult"), searchResultSchema());
    router.addSchema(QStringLiteral("Citation"), citationSchema());
}

QJsonObject uploadOperation(const QString &tag, const QJsonObject &tenantParam)
{
    const QJsonObject form =
        object({{QStringLiteral("file"), QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                                     {QStringLiteral("format"), QStringLiteral("binary")}}},
                {QStringLiteral("collection"), string()}},
               {QStringLiteral("file")});
    const QJsonObject body{
        {QStringLiteral("required"), true},
        {QStringLiteral("content"), QJsonObject{{QStringLiteral("multipart/form-data"),
                                                 QJsonObject{{QStringLiteral("schema"), closed(form)}}}}}};
    QJsonObject accepted = jsonResponse(
        QStringLiteral("stored and queued for indexing (or, duplicate: true, the collection already held "
                       "these bytes); poll GET /documents/{id} until ready or failed"),
        ref(QStringLiteral("Document")), examples::document());
    return operation(
        QStringLiteral("Upload a document (multipart/form-data: file, optional collection); 413 over "
                       "DOCUMENT_MAX_BYTES, 415 for another media type"),
        tag,
        {{QStringLiteral("202"), accepted},
         {QStringLiteral("415"),
          QJsonObject{{QStringLiteral("description"), QStringLiteral("not multipart/form-data")}}}},
        {tenantParam}, body);
}

QJsonObject contentOperation(const QString &tag, const QJsonObject &tenantParam)
{
    return operation(
        QStringLiteral("The original bytes as uploaded, with their media type and file name"), tag,
        {{QStringLiteral("200"),
          QJsonObject{
              {QStringLiteral("description"), QStringLiteral("the file (Content-Disposition: attachment)")},
              {QStringLiteral("content"),
               QJsonObject{
                   {QStringLiteral("application/octet-stream"),
                    QJsonObject{{QStringLiteral("schema"),
                                 QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                             {QStringLiteral("format"), QStringLiteral("binary")}}}}}}}}}},
        {tenantParam});
}

QJsonObject reindexOperation(const QString &tag, const QJsonObject &tenantParam)
{
    const QJsonObject body{
        {QStringLiteral("required"), false},
        {QStringLiteral("content"),
         QJsonObject{{QStringLiteral("application/json"),
                      QJsonObject{{QStringLiteral("schema"),
                                   closed(object({{QStringLiteral("collection"), string()}}))},
                                  {QStringLiteral("example"), QJsonObject{{QStringLiteral("collection"),
                                                                           QStringLiteral("clients")}}}}}}}};
    return operation(
        QStringLiteral("Index the tenant's documents again (one collection, or all) with its current "
                       "embedding model"),
        tag,
        {{QStringLiteral("202"),
          jsonResponse(QStringLiteral("how many documents were queued"),
                       object({{QStringLiteral("queued"), integer()}}, {QStringLiteral("queued")}),
                       QJsonObject{{QStringLiteral("queued"), 3}})}},
        {tenantParam}, body);
}

QJsonObject searchOperation(const QString &tag, const QJsonObject &tenantParam)
{
    QJsonObject k = integer();
    k.insert(QStringLiteral("minimum"), 1);
    k.insert(QStringLiteral("maximum"), kMaxSearchHits);
    k.insert(QStringLiteral("default"), 5);
    const QJsonObject request = closed(object({{QStringLiteral("query"), string()},
                                               {QStringLiteral("collection"), string()},
                                               {QStringLiteral("k"), k}},
                                              {QStringLiteral("query")}));
    return operation(
        QStringLiteral("Hybrid search (words and meaning, fused) over the tenant's ready documents; indexing "
                       "counts the documents in scope not indexed yet"),
        tag,
        {{QStringLiteral("200"), jsonResponse(QStringLiteral("the passages, best first"),
                                              ref(QStringLiteral("DocumentSearchResult")))}},
        {tenantParam},
        jsonBody(request,
                 QJsonObject{{QStringLiteral("query"), QStringLiteral("termination clause notice period")},
                             {QStringLiteral("k"), 5}}));
}

QJsonObject embeddingsOperation()
{
    QJsonObject input{{QStringLiteral("oneOf"), QJsonArray{string(), array(string())}}};
    const QJsonObject request =
        closed(object({{QStringLiteral("input"), input},
                       {QStringLiteral("model"), string()},
                       {QStringLiteral("encoding_format"),
                        QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                    {QStringLiteral("enum"),
                                     QJsonArray{QStringLiteral("float"), QStringLiteral("base64")}}}},
                       {QStringLiteral("dimensions"), integer()},
                       {QStringLiteral("user"), string()}},
                      {QStringLiteral("input"), QStringLiteral("model")}));
    const QJsonObject embedding =
        object({{QStringLiteral("object"), string()},
                {QStringLiteral("index"), integer()},
                {QStringLiteral("embedding"),
                 QJsonObject{{QStringLiteral("oneOf"), QJsonArray{array(number()), string()}}}}},
               {QStringLiteral("object"), QStringLiteral("index"), QStringLiteral("embedding")});
    const QJsonObject response = object(
        {{QStringLiteral("object"), string()},
         {QStringLiteral("data"), array(embedding)},
         {QStringLiteral("model"), string()},
         {QStringLiteral("usage"),
          object({{QStringLiteral("prompt_tokens"), integer()}, {QStringLiteral("total_tokens"), integer()}},
                 {QStringLiteral("prompt_tokens"), QStringLiteral("total_tokens")})}},
        {QStringLiteral("object"), QStringLiteral("data"), QStringLiteral("model"), QStringLiteral("usage")});
    return operation(
        QStringLiteral(
            "OpenAI-compatible embeddings (CreateEmbeddingRequest) with the tenant's embedding model, "
            "or `model` (\"provider/model\" or a model of its embedding provider); token arrays "
            "are refused"),
        QStringLiteral("openai"),
        {{QStringLiteral("200"), jsonResponse(QStringLiteral("CreateEmbeddingResponse"), response)}}, {},
        jsonBody(request, QJsonObject{{QStringLiteral("input"), QStringLiteral("The food was delicious")},
                                      {QStringLiteral("model"), QStringLiteral("demo-embedding")}}));
}

namespace examples {

QJsonObject document()
{
    core::Document d;
    d.documentId = QUuid(QStringLiteral("0b6c2f9e-5d1a-4c3b-9e8f-7a6b5c4d3e2f"));
    d.tenantId = QStringLiteral("acme");
    d.collection = QStringLiteral("default");
    d.title = QStringLiteral("Client brief 2026");
    d.fileName = QStringLiteral("brief.pdf");
    d.mimeType = QStringLiteral("application/pdf");
    d.sizeBytes = 182'344;
    d.contentSha256 = QStringLiteral("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    d.status = core::DocumentStatus::Ready;
    d.progress = 1.0;
    d.pageCount = 12;
    d.chunkCount = 31;
    d.embeddingModel = QStringLiteral("demo/demo-embedding");
    d.createdAt = QDateTime(QDate(2026, 3, 2), QTime(9, 30), Qt::UTC);
    d.updatedAt = d.createdAt.addSecs(4);
    return json::document(d);
}

} // namespace examples

} // namespace agency::http
