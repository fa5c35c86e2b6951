#include "agencytools.h"

#include "core/async/whenfinished.h"
#include "core/citationjson.h"
#include "core/json.h"
#include "service/agencyservice.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>

namespace agency::mcpserver {

namespace {

const QString kAskPrefix = QStringLiteral("ask_");
const QString kSearchConversations = QStringLiteral("search_conversations");
const QString kSearchDocuments = QStringLiteral("search_documents");
constexpr int kMaxConversationHits = 100;
constexpr int kMaxDocumentHits = 20;

QJsonObject text(const QString &description)
{
    return {{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("description"), description}};
}

QJsonObject count(const QString &description, int max, int fallback)
{
    return {{QStringLiteral("type"), QStringLiteral("integer")},
            {QStringLiteral("minimum"), 1},
            {QStringLiteral("maximum"), max},
            {QStringLiteral("default"), fallback},
            {QStringLiteral("description"), description}};
}

QJsonObject objectSchema(const QJsonObject &properties, const QStringList &required, bool closed)
{
    QJsonObject schema{{QStringLiteral("type"), QStringLiteral("object")},
                       {QStringLiteral("properties"), properties},
                       {QStringLiteral("required"), QJsonArray::fromStringList(required)}};
    if (closed)
        schema.insert(QStringLiteral("additionalProperties"), false);
    return schema;
}

QJsonObject arrayOf(const QJsonObject &items)
{
    return {{QStringLiteral("type"), QStringLiteral("array")}, {QStringLiteral("items"), items}};
}

QJsonObject typed(const char *type)
{
    return {{QStringLiteral("type"), QLatin1String(type)}};
}

/// A successful result: the structured value, and the same as JSON text for clients that show
/// only text (the specification asks for both).
QJsonObject structuredResult(const QJsonObject &value)
{
    const QJsonObject block{{QStringLiteral("type"), QStringLiteral("text")},
                            {QStringLiteral("text"), QString::fromUtf8(core::toCompactJson(value))}};
    return {{QStringLiteral("content"), QJsonArray{block}}, {QStringLiteral("structuredContent"), value}};
}

QString timestamp(const QDateTime &t)
{
    return t.isValid() ? t.toUTC().toString(Qt::ISODateWithMs) : QString();
}

QString idText(const QUuid &id)
{
    return id.toString(QUuid::WithoutBraces);
}

QJsonObject askEntrySchema()
{
    return objectSchema(
        {{QStringLiteral("message"),
          QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                      {QStringLiteral("minLength"), 1},
                      {QStringLiteral("description"), QStringLiteral("what to ask the agent")}}},
         {QStringLiteral("conversation_id"),
          text(QStringLiteral("continue this conversation (the conversation_id of an earlier answer); "
                              "omit to start a new one"))}},
        {QStringLiteral("message")}, true);
}

QJsonObject askOutputSchema()
{
    const QJsonObject citation =
        objectSchema({{QStringLiteral("number"), typed("integer")},
                      {QStringLiteral("document_id"), typed("string")},
                      {QStringLiteral("title"), typed("string")},
                      {QStringLiteral("page"), typed("integer")}},
                     {QStringLiteral("number"), QStringLiteral("document_id")}, false);
    return objectSchema({{QStringLiteral("answer"), text(QStringLiteral("the agent's answer"))},
                         {QStringLiteral("conversation_id"),
                          text(QStringLiteral("the conversation the exchange is stored in"))},
                         {QStringLiteral("citations"), arrayOf(citation)}},
                        {QStringLiteral("answer"), QStringLiteral("conversation_id")}, false);
}

ToolEntry searchConversationsEntry()
{
    const QJsonObject hit =
        objectSchema({{QStringLiteral("conversation_id"), typed("string")},
                      {QStringLiteral("message_id"), typed("integer")},
                      {QStringLiteral("flow_type"), typed("string")},
                      {QStringLiteral("conversation_title"), typed("string")},
                      {QStringLiteral("role"), typed("string")},
                      {QStringLiteral("snippet"), typed("string")},
                      {QStringLiteral("created_at"), typed("string")}},
                     {QStringLiteral("conversation_id"), QStringLiteral("snippet")}, false);
    return {kSearchConversations,
            QStringLiteral("Search conversations"),
            QStringLiteral("Full-text search over this tenant's stored conversations (web-search syntax: "
                           "words, \"quoted phrases\", -excluded). Matches are wrapped in [[ ]]."),
            objectSchema(
                {{QStringLiteral("query"),
                  QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                              {QStringLiteral("minLength"), 1},
                              {QStringLiteral("description"), QStringLiteral("what to look for")}}},
                 {QStringLiteral("flow_type"), text(QStringLiteral("only this flow's conversations"))},
                 {QStringLiteral("limit"), count(QStringLiteral("most hits"), kMaxConversationHits, 20)}},
                {QStringLiteral("query")}, true),
            objectSchema({{QStringLiteral("hits"), arrayOf(hit)}}, {QStringLiteral("hits")}, false),
            {}};
}

ToolEntry searchDocumentsEntry()
{
    const QJsonObject hit = objectSchema(
        {{QStringLiteral("number"), typed("integer")},
         {QStringLiteral("document_id"), typed("string")},
         {QStringLiteral("title"), typed("string")},
         {QStringLiteral("collection"), typed("string")},
         {QStringLiteral("chunk_id"), typed("integer")},
         {QStringLiteral("page"), typed("integer")},
         {QStringLiteral("start"), typed("integer")},
         {QStringLiteral("end"), typed("integer")},
         {QStringLiteral("text"), typed("string")},
         {QStringLiteral("score"), typed("number")}},
        {QStringLiteral("number"), QStringLiteral("document_id"), QStringLiteral("text")}, false);
    return {
        kSearchDocuments,
        QStringLiteral("Search documents"),
        QStringLiteral("Search this tenant's documents (keywords and meaning). Each passage has a "
                       "citation number and its document, page and character span; cite it as [n]."),
        objectSchema({{QStringLiteral("query"),
                       QJsonObject{{QStringLiteral("type"), QStringLiteral("string")},
                                   {QStringLiteral("minLength"), 1},
                                   {QStringLiteral("description"), QStringLiteral("what to look for")}}},
                      {QStringLiteral("collection"), text(QStringLiteral("only this collection"))},
                      {QStringLiteral("k"), count(QStringLiteral("most passages"), kMaxDocumentHits, 5)}},
                     {QStringLiteral("query")}, true),
        objectSchema({{QStringLiteral("hits"), arrayOf(hit)},
                      {QStringLiteral("documents_indexing"),
                       QJsonObject{{QStringLiteral("type"), QStringLiteral("integer")},
                                   {QStringLiteral("description"),
                                    QStringLiteral("documents not searchable yet (still being indexed)")}}}},
                     {QStringLiteral("hits")}, false),
        {}};
}

} // namespace

AgencyTools::AgencyTools(service::AgencyService &service, QString tenantId)
    : m_service(service), m_tenantId(std::move(tenantId))
{
}

QJsonObject AgencyTools::errorResult(const QString &message)
{
    const QJsonObject block{{QStringLiteral("type"), QStringLiteral("text")},
                            {QStringLiteral("text"), message}};
    return {{QStringLiteral("content"), QJsonArray{block}}, {QStringLiteral("isError"), true}};
}

QList<ToolEntry> AgencyTools::list() const
{
    QList<core::FlowDefinition> flows = m_service.flows();
    std::sort(flows.begin(), flows.end(),
              [](const auto &a, const auto &b) { return a.flowType < b.flowType; });
    QList<ToolEntry> tools;
    for (const core::FlowDefinition &flow : flows) {
        const QString title = flow.title.isEmpty() ? flow.flowType : flow.title;
        QString description = QStringLiteral("Ask the agency's \"%1\" agent. The exchange is stored in a "
                                             "conversation; pass its conversation_id to continue it.")
                                  .arg(title);
        if (!flow.description.isEmpty())
            description += u' ' + flow.description;
        tools.append({kAskPrefix + flow.flowType, QStringLiteral("Ask: ") + title, description,
                      askEntrySchema(), askOutputSchema(), flow.flowType});
    }
    tools.append(searchConversationsEntry());
    tools.append(searchDocumentsEntry());
    return tools;
}

std::optional<ToolEntry> AgencyTools::find(const QString &name) const
{
    for (const ToolEntry &tool : list()) {
        if (tool.name == name)
            return tool;
    }
    return std::nullopt;
}

void AgencyTools::call(const ToolEntry &tool, const QJsonObject &arguments,
                       const core::CancelTokenPtr &cancel, QObject *context, Done done) const
{
    if (!tool.flowType.isEmpty())
        ask(tool, arguments, cancel, context, std::move(done));
    else if (tool.name == kSearchConversations)
        searchConversations(arguments, context, std::move(done));
    else
        searchDocuments(arguments, context, std::move(done));
}

void AgencyTools::ask(const ToolEntry &tool, const QJsonObject &arguments, const core::CancelTokenPtr &cancel,
                      QObject *context, Done done) const
{
    core::TurnRequest request;
    request.tenantId = m_tenantId;
    request.flowType = tool.flowType;
    request.message = arguments.value(QLatin1String("message")).toString();
    request.cancel = cancel;
    const QString conversation = arguments.value(QLatin1String("conversation_id")).toString();
    if (!conversation.isEmpty()) {
        request.conversationId = QUuid::fromString(conversation);
        if (request.conversationId.isNull()) {
            done(errorResult(QStringLiteral("conversation_id: not a conversation id (a UUID from an earlier "
                                            "answer)")));
            return;
        }
    }
    core::whenFinished(
        context, m_service.chat(request),
        [done](const core::Result<core::TurnResult> &turn) {
            if (!turn) {
                done(errorResult(turn.error().toString()));
                return;
            }
            QJsonArray citations;
            if (!turn->messages.isEmpty())
                citations = core::citationsToJson(core::citationsOfMetadata(turn->messages.last().metadata));
            done(structuredResult({{QStringLiteral("answer"), turn->content},
                                   {QStringLiteral("conversation_id"), idText(turn->conversationId)},
                                   {QStringLiteral("citations"), citations}}));
        },
        [done] { done(errorResult(QStringLiteral("cancelled: the turn was stopped"))); });
}

void AgencyTools::searchConversations(const QJsonObject &arguments, QObject *context, Done done) const
{
    const core::SearchQuery query{m_tenantId, arguments.value(QLatin1String("query")).toString(),
                                  arguments.value(QLatin1String("flow_type")).toString(),
                                  arguments.value(QLatin1String("limit")).toInt(20)};
    core::whenFinished(
        context, m_service.searchConversations(query),
        [done](const core::Result<QList<core::SearchHit>> &found) {
            if (!found) {
                done(errorResult(found.error().toString()));
                return;
            }
            QJsonArray hits;
            for (const core::SearchHit &hit : found.value()) {
                hits.append(QJsonObject{{QStringLiteral("conversation_id"), idText(hit.conversationId)},
                                        {QStringLiteral("message_id"), hit.messageId},
                                        {QStringLiteral("flow_type"), hit.flowType},
                                        {QStringLiteral("conversation_title"), hit.conversationTitle},
                                        {QStringLiteral("role"), core::roleName(hit.role)},
                                        {QStringLiteral("snippet"), hit.snippet},
                                        {QStringLiteral("created_at"), timestamp(hit.createdAt)}});
            }
            done(structuredResult({{QStringLiteral("hits"), hits}}));
        },
        [done] { done(errorResult(QStringLiteral("cancelled"))); });
}

void AgencyTools::searchDocuments(const QJsonObject &arguments, QObject *context, Done done) const
{
    core::DocumentSearchQuery query;
    query.tenantId = m_tenantId;
    query.query = arguments.value(QLatin1String("query")).toString();
    query.collection = arguments.value(QLatin1String("collection")).toString();
    query.k = arguments.value(QLatin1String("k")).toInt(5);
    core::whenFinished(
        context, m_service.searchDocuments(query),
        [done](const core::Result<core::DocumentSearchResult> &found) {
            if (!found) {
                done(errorResult(found.error().toString()));
                return;
            }
            QJsonArray hits;
            int number = 0;
            for (const core::DocumentHit &hit : found->hits) {
                hits.append(QJsonObject{{QStringLiteral("number"), ++number},
                                        {QStringLiteral("document_id"), idText(hit.documentId)},
                                        {QStringLiteral("title"), hit.title},
                                        {QStringLiteral("collection"), hit.collection},
                                        {QStringLiteral("chunk_id"), hit.chunkId},
                                        {QStringLiteral("page"), hit.page},
                                        {QStringLiteral("start"), hit.start},
                                        {QStringLiteral("end"), hit.end},
                                        {QStringLiteral("text"), hit.text},
                                        {QStringLiteral("score"), hit.score}});
            }
            done(structuredResult({{QStringLiteral("hits"), hits},
                                   {QStringLiteral("documents_indexing"), found->documentsIndexing}}));
        },
        [done] { done(errorResult(QStringLiteral("cancelled"))); });
}

} // namespace agency::mcpserver
