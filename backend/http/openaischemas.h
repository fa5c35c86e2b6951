#pragma once

#include "httpserver/router.h"

namespace agency::http {

/// The /v1 components of the OpenAPI document, as this server answers them: OpenAiError,
/// OpenAiModel, OpenAiModelList, OpenAiChatCompletion, OpenAiChatCompletionChunk, OpenAiResponse,
/// OpenAiResponseStreamEvent, OpenAiCreateResponse, OpenAiResponseFormat.
void addOpenAiSchemas(httpserver::Router &router);

} // namespace agency::http
