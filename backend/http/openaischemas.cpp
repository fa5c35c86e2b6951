#include "openaischemas.h"

#include "openapi.h"
#include "responsescompat.h"

#include <QJsonArray>

namespace agency::http {

using namespace oa;

namespace {

QJsonObject described(QJsonObject schema, const QString &description)
{
    schema.insert(QStringLiteral("description"), description);
    return schema;
}

QJsonObject constant(const QString &value)
{
    return {{QStringLiteral("type"), QStringLiteral("string")}, {QStringLiteral("enum"), QJsonArray{value}}};
}

QJsonObject oneOfStrings(const QStringList &values)
{
    return {{QStringLiteral("type"), QStringLiteral("string")},
            {QStringLiteral("enum"), QJsonArray::fromStringList(values)}};
}

QJsonObject nullable(const QJsonObject &schema)
{
    return {{QStringLiteral("anyOf"),
             QJsonArray{schema, QJsonObject{{QStringLiteral("type"), QStringLiteral("null")}}}}};
}

QJsonObject errorObject()
{
    return object(
        {{QStringLiteral("error"),
          object({{QStringLiteral("message"), string()},
                  {QStringLiteral("type"),
                   described(string(), QStringLiteral("invalid_request_error, authentication_error, "
                                                      "permission_error, not_found_error, "
                                                      "rate_limit_error or api_error"))},
                  {QStringLiteral("param"), nullableString()},
                  {QStringLiteral("code"), nullableString()}},
                 {QStringLiteral("message"), QStringLiteral("type"), QStringLiteral("param"),
                  QStringLiteral("code")})}},
        {QStringLiteral("error")});
}

QJsonObject modelSchema()
{
    return object({{QStringLiteral("id"), described(string(), QStringLiteral("The flow type."))},
                   {QStringLiteral("object"), constant(QStringLiteral("model"))},
                   {QStringLiteral("created"), integer()},
                   {QStringLiteral("owned_by"), string()}},
                  {QStringLiteral("id"), QStringLiteral("object"), QStringLiteral("created"),
                   QStringLiteral("owned_by")});
}

QJsonObject chatUsage()
{
    return object({{QStringLiteral("prompt_tokens"), integer()},
                   {QStringLiteral("completion_tokens"), integer()},
                   {QStringLiteral("total_tokens"), integer()}},
                  {QStringLiteral("prompt_tokens"), QStringLiteral("completion_tokens"),
                   QStringLiteral("total_tokens")});
}

QJsonObject finishReason()
{
    return oneOfStrings({QStringLiteral("stop"), QStringLiteral("length"), QStringLiteral("content_filter")});
}

QJsonObject chatCompletion()
{
    const QJsonObject message = object({{QStringLiteral("role"), constant(QStringLiteral("assistant"))},
                                        {QStringLiteral("content"), string()},
                                        {QStringLiteral("refusal"), nullableString()}},
                                       {QStringLiteral("role"), QStringLiteral("content")});
    const QJsonObject choice =
        object({{QStringLiteral("index"), integer()},
                {QStringLiteral("message"), message},
                {QStringLiteral("logprobs"), QJsonObject{{QStringLiteral("type"), QStringLiteral("null")}}},
                {QStringLiteral("finish_reason"), finishReason()}},
               {QStringLiteral("index"), QStringLiteral("message"), QStringLiteral("finish_reason")});
    return object(
        {{QStringLiteral("id"), described(string(), QStringLiteral("\"chatcmpl-\" and 32 hex digits."))},
         {QStringLiteral("object"), constant(QStringLiteral("chat.completion"))},
         {QStringLiteral("created"), integer()},
         {QStringLiteral("model"), described(string(), QStringLiteral("The flow type."))},
         {QStringLiteral("choices"), array(choice)},
         {QStringLiteral("usage"), chatUsage()}},
        {QStringLiteral("id"), QStringLiteral("object"), QStringLiteral("created"), QStringLiteral("model"),
         QStringLiteral("choices"), QStringLiteral("usage")});
}

QJsonObject chatChunk()
{
    const QJsonObject delta = object({{QStringLiteral("role"), constant(QStringLiteral("assistant"))},
                                      {QStringLiteral("content"), string()}});
    const QJsonObject choice =
        object({{QStringLiteral("index"), integer()},
                {QStringLiteral("delta"), delta},
                {QStringLiteral("logprobs"), QJsonObject{{QStringLiteral("type"), QStringLiteral("null")}}},
                {QStringLiteral("finish_reason"), nullable(finishReason())}},
               {QStringLiteral("index"), QStringLiteral("delta"), QStringLiteral("finish_reason")});
    return described(
        object({{QStringLiteral("id"), string()},
                {QStringLiteral("object"), constant(QStringLiteral("chat.completion.chunk"))},
                {QStringLiteral("created"), integer()},
                {QStringLiteral("model"), string()},
                {QStringLiteral("choices"),
                 described(array(choice), QStringLiteral("One choice; empty in the usage chunk."))},
                {QStringLiteral("usage"),
                 described(nullable(chatUsage()),
                           QStringLiteral("With stream_options.include_usage: null on every chunk but the "
                                          "last, which carries the usage and no choices."))}},
               {QStringLiteral("id"), QStringLiteral("object"), QStringLiteral("created"),
                QStringLiteral("model"), QStringLiteral("choices")}),
        QStringLiteral("One server-sent event's data (`data: {…}`); the stream ends with `data: [DONE]`, "
                       "or after an event holding an OpenAI error object when the turn failed."));
}

QJsonObject responseFormat()
{
    return described(
        object({{QStringLiteral("type"), oneOfStrings({QStringLiteral("text"), QStringLiteral("json_object"),
                                                       QStringLiteral("json_schema")})},
                {QStringLiteral("name"), string()},
                {QStringLiteral("description"), string()},
                {QStringLiteral("schema"), anyObject()},
                {QStringLiteral("strict"), boolean()}},
               {QStringLiteral("type")}),
        QStringLiteral("The answer's format. json_object asks for a JSON object; json_schema (with name and "
                       "schema: an object schema using type, enum, const, properties, required, "
                       "additionalProperties, items, length, size and range bounds, pattern) for JSON valid "
                       "against it. The provider is asked for JSON mode or structured output (OpenAI and "
                       "Mistral response_format, Gemini responseMimeType and responseSchema) and the final "
                       "answer is checked: one that does not follow the format fails the turn (502). In "
                       "chat completions' response_format, json_schema's members sit inside a "
                       "`json_schema` object; in the Responses API's text.format, beside `type`."));
}

QJsonObject responseUsage()
{
    return object(
        {{QStringLiteral("input_tokens"), integer()},
         {QStringLiteral("input_tokens_details"),
          object({{QStringLiteral("cached_tokens"), integer()},
                  {QStringLiteral("cache_write_tokens"), integer()}})},
         {QStringLiteral("output_tokens"), integer()},
         {QStringLiteral("output_tokens_details"), object({{QStringLiteral("reasoning_tokens"), integer()}})},
         {QStringLiteral("total_tokens"), integer()}},
        {QStringLiteral("input_tokens"), QStringLiteral("output_tokens"), QStringLiteral("total_tokens")});
}

QJsonObject outputTextPart()
{
    return object({{QStringLiteral("type"), constant(QStringLiteral("output_text"))},
                   {QStringLiteral("text"), string()},
                   {QStringLiteral("annotations"), array(anyObject())},
                   {QStringLiteral("logprobs"), array(anyObject())}},
                  {QStringLiteral("type"), QStringLiteral("text")});
}

QJsonObject outputMessage()
{
    return object({{QStringLiteral("type"), constant(QStringLiteral("message"))},
                   {QStringLiteral("id"),
                    described(string(), QStringLiteral("\"msg_\" and the response id's digits."))},
                   {QStringLiteral("status"),
                    oneOfStrings({QStringLiteral("in_progress"), QStringLiteral("completed")})},
                   {QStringLiteral("role"), constant(QStringLiteral("assistant"))},
                   {QStringLiteral("content"), array(outputTextPart())}},
                  {QStringLiteral("type"), QStringLiteral("id"), QStringLiteral("status"),
                   QStringLiteral("role"), QStringLiteral("content")});
}

QJsonObject responseSchema()
{
    return described(
        object(
            {{QStringLiteral("id"),
              described(string(),
                        QStringLiteral("\"resp_\" and 48 hex digits naming the conversation and the "
                                       "turn's user message."))},
             {QStringLiteral("object"), constant(QStringLiteral("response"))},
             {QStringLiteral("created_at"), integer()},
             {QStringLiteral("completed_at"), nullable(integer())},
             {QStringLiteral("status"),
              oneOfStrings({QStringLiteral("in_progress"), QStringLiteral("completed"),
                            QStringLiteral("incomplete"), QStringLiteral("failed")})},
             {QStringLiteral("error"),
              nullable(object({{QStringLiteral("code"), string()}, {QStringLiteral("message"), string()}},
                              {QStringLiteral("code"), QStringLiteral("message")}))},
             {QStringLiteral("incomplete_details"), nullable(object({{QStringLiteral("reason"), string()}}))},
             {QStringLiteral("instructions"), nullableString()},
             {QStringLiteral("max_output_tokens"),
              QJsonObject{{QStringLiteral("type"), QStringLiteral("null")}}},
             {QStringLiteral("model"), described(string(), QStringLiteral("The flow type."))},
             {QStringLiteral("output"),
              described(array(outputMessage()), QStringLiteral("The answer as one assistant message; the "
                                                               "flow's tool calls ran on the server."))},
             {QStringLiteral("parallel_tool_calls"), boolean()},
             {QStringLiteral("previous_response_id"), nullableString()},
             {QStringLiteral("conversation"),
              described(object({{QStringLiteral("id"), string()}}, {QStringLiteral("id")}),
                        QStringLiteral("The stored conversation (also in the X-Conversation-Id header)."))},
             {QStringLiteral("store"), boolean()},
             {QStringLiteral("temperature"), QJsonObject{{QStringLiteral("type"), QStringLiteral("null")}}},
             {QStringLiteral("top_p"), QJsonObject{{QStringLiteral("type"), QStringLiteral("null")}}},
             {QStringLiteral("text"),
              object({{QStringLiteral("format"), ref(QStringLiteral("OpenAiResponseFormat"))}})},
             {QStringLiteral("tool_choice"), string()},
             {QStringLiteral("tools"), described(array(anyObject()), QStringLiteral("Always empty."))},
             {QStringLiteral("truncation"), string()},
             {QStringLiteral("usage"), nullable(responseUsage())},
             {QStringLiteral("metadata"), anyObject()}},
            {QStringLiteral("id"), QStringLiteral("object"), QStringLiteral("created_at"),
             QStringLiteral("status"), QStringLiteral("error"), QStringLiteral("incomplete_details"),
             QStringLiteral("instructions"), QStringLiteral("model"), QStringLiteral("output"),
             QStringLiteral("parallel_tool_calls"), QStringLiteral("tool_choice"), QStringLiteral("tools"),
             QStringLiteral("temperature"), QStringLiteral("top_p"), QStringLiteral("metadata")}),
        QStringLiteral("OpenAI's Response object for one turn of a stored conversation."));
}

QJsonObject streamEvent()
{
    const QStringList types{QStringLiteral("response.created"),
                            QStringLiteral("response.in_progress"),
                            QStringLiteral("response.output_item.added"),
                            QStringLiteral("response.content_part.added"),
                            QStringLiteral("response.output_text.delta"),
                            QStringLiteral("response.output_text.done"),
                            QStringLiteral("response.content_part.done"),
                            QStringLiteral("response.output_item.done"),
                            QStringLiteral("response.completed"),
                            QStringLiteral("response.incomplete"),
                            QStringLiteral("response.failed")};
    return described(
        object({{QStringLiteral("type"), oneOfStrings(types)},
                {QStringLiteral("sequence_number"), integer()},
                {QStringLiteral("response"), ref(QStringLiteral("OpenAiResponse"))},
                {QStringLiteral("output_index"), integer()},
                {QStringLiteral("content_index"), integer()},
                {QStringLiteral("item_id"), string()},
                {QStringLiteral("item"), outputMessage()},
                {QStringLiteral("part"), outputTextPart()},
                {QStringLiteral("delta"), string()},
                {QStringLiteral("text"), string()},
                {QStringLiteral("logprobs"), array(anyObject())}},
               {QStringLiteral("type"), QStringLiteral("sequence_number")}),
        QStringLiteral("One server-sent event of a streamed response (`event: <type>` and `data: {…}`), in "
                       "this order: response.created, response.in_progress, response.output_item.added, "
                       "response.content_part.added, response.output_text.delta (one or more), "
                       "response.output_text.done, response.content_part.done, response.output_item.done, "
                       "then response.completed (or response.incomplete when the answer was cut short). A "
                       "turn that fails after the stream began ends it with response.failed; one refused "
                       "before gets its HTTP status and an OpenAI error body instead."));
}

QJsonObject createResponse()
{
    QJsonObject properties{
        {QStringLiteral("model"), described(string(), QStringLiteral("The flow type to chat with."))},
        {QStringLiteral("input"),
         described(QJsonObject{{QStringLiteral("anyOf"), QJsonArray{string(), array(anyObject())}}},
                   QStringLiteral("The user's message, or a list of message items (role user, assistant, "
                                  "system or developer; content a string or input_text / output_text parts) "
                                  "ending with the user's. Continuing a conversation takes the new user "
                                  "message only. Function calls, their outputs, item references, images "
                                  "and files are refused."))},
        {QStringLiteral("instructions"),
         described(string(),
                   QStringLiteral("A system message that begins a new conversation (stored with it); "
                                  "refused when continuing one."))},
        {QStringLiteral("stream"),
         described(boolean(), QStringLiteral("Answer as Responses stream events."))},
        {QStringLiteral("stream_options"),
         described(closed(object({{QStringLiteral("include_obfuscation"), boolean()}})),
                   QStringLiteral("Accepted and ignored."))},
        {QStringLiteral("previous_response_id"),
         described(string(), QStringLiteral("Continues the conversation that response belongs to (at its "
                                            "latest turn)."))},
        {QStringLiteral("conversation"),
         described(QJsonObject{{QStringLiteral("anyOf"),
                                QJsonArray{string(), closed(object({{QStringLiteral("id"), string()}},
                                                                   {QStringLiteral("id")}))}}},
                   QStringLiteral("A stored conversation's id (a UUID) to continue; not with "
                                  "previous_response_id."))},
        {QStringLiteral("text"),
         described(closed(object({{QStringLiteral("format"), ref(QStringLiteral("OpenAiResponseFormat"))},
                                  {QStringLiteral("verbosity"), string()}})),
                   QStringLiteral("format shapes the answer; verbosity is ignored."))},
        {QStringLiteral("tools"),
         described(
             array(anyObject()),
             QStringLiteral("Refused unless empty: each flow has its own tools, which run on the server."))},
        {QStringLiteral("background"), described(boolean(), QStringLiteral("Refused when true."))},
        {QStringLiteral("prompt"), described(anyObject(), QStringLiteral("Prompt templates are refused."))},
        {QStringLiteral("store"),
         described(boolean(), QStringLiteral("Every turn is stored: false is refused."))}};
    for (const QString &field : openai::ignoredResponseFields()) {
        properties.insert(field, QJsonObject{{QStringLiteral("description"),
                                              QStringLiteral("Accepted and ignored: the flow decides its "
                                                             "provider's settings.")}});
    }
    return closed(object(properties, {QStringLiteral("model"), QStringLiteral("input")}));
}

} // namespace

void addOpenAiSchemas(httpserver::Router &router)
{
    router.addSchema(QStringLiteral("OpenAiError"),
                     described(errorObject(), QStringLiteral("OpenAI's error shape, which its SDKs parse.")));
    router.addSchema(QStringLiteral("OpenAiModel"), modelSchema());
    router.addSchema(QStringLiteral("OpenAiModelList"),
                     object({{QStringLiteral("object"), constant(QStringLiteral("list"))},
                             {QStringLiteral("data"), array(ref(QStringLiteral("OpenAiModel")))}},
                            {QStringLiteral("object"), QStringLiteral("data")}));
    router.addSchema(QStringLiteral("OpenAiChatCompletion"), chatCompletion());
    router.addSchema(QStringLiteral("OpenAiChatCompletionChunk"), chatChunk());
    router.addSchema(QStringLiteral("OpenAiResponseFormat"), responseFormat());
    router.addSchema(QStringLiteral("OpenAiResponse"), responseSchema());
    router.addSchema(QStringLiteral("OpenAiResponseStreamEvent"), streamEvent());
    router.addSchema(QStringLiteral("OpenAiCreateResponse"), createResponse());
}

} // namespace agency::http
