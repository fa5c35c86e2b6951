#include "llmfixtures.h"

namespace agency::test::fixtures {

const char *const kVertexSystemInstruction =
    R"({"parts":[{"text":"You are a weather assistant.\n\nAnswer in one sentence."}]})";

const char *const kVertexContents = R"([
            {"role":"user","parts":[{"text":"What's the weather in Paris?"}]},
            {"role":"model","parts":[{"functionCall":{"name":"get_weather","args":{"location":"Paris"}}}]},
            {"role":"user","parts":[{"functionResponse":{"name":"get_weather","response":{"temperature":18,"condition":"Sunny"}}}]}
        ])";

const char *const kVertexDeclaration = R"({
            "name":"get_weather","description":"Current weather for a place",
            "parameters":{"type":"OBJECT","required":["location"],"properties":{
                "location":{"type":"STRING","description":"City name"},
                "units":{"type":"STRING","enum":["metric","imperial","standard"]}}}})";

const char *const kVertexToolConfigAuto = R"({"functionCallingConfig":{"mode":"AUTO"}})";

const char *const kVertexGenerationConfig = R"({"temperature":0.5,"maxOutputTokens":256})";

const char *const kVertexModeNone = R"({"mode":"NONE"})";

const char *const kVertexModeAny = R"({"mode":"ANY"})";

const char *const kVertexModeFunction = R"({"mode":"ANY","allowedFunctionNames":["get_weather"]})";

const char *const kVertexMergedParts = R"([
            {"functionResponse":{"name":"get_weather","response":{"temperature":18}}},
            {"functionResponse":{"name":"get_time","response":{"output":"12:00"}}},
            {"text":"Thanks!"}])";

const char *const kSchemaIn = R"({
            "$schema":"http://json-schema.org/draft-07/schema#","type":"object","additionalProperties":false,
            "properties":{
              "note":{"type":["string","null"],"format":"email"},
              "kind":{"const":"fixed"},
              "when":{"type":"string","format":"date-time"},
              "tags":{"type":"array","items":{"type":"string"},"minItems":1},
              "count":{"anyOf":[{"type":"integer","minimum":0},{"type":"null"}]},
              "level":{"enum":[1,2,3]}}})";

const char *const kSchemaExpected = R"({
            "type":"OBJECT","properties":{
              "note":{"type":"STRING","nullable":true},
              "kind":{"type":"STRING","enum":["fixed"]},
              "when":{"type":"STRING","format":"date-time"},
              "tags":{"type":"ARRAY","items":{"type":"STRING"},"minItems":1},
              "count":{"nullable":true,"type":"INTEGER","minimum":0},
              "level":{"type":"STRING","enum":["1","2","3"]}}})";

const char *const kMistralChunk1 =
    R"({"id":"x","object":"chat.completion.chunk","model":"mistral-small-latest","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})";

const char *const kMistralChunk2a =
    R"({"id":"x","object":"chat.completion.chunk","model":"mistral-small-latest","choices":[{"index":0,"delta":{"tool_calls":[)";

const char *const kMistralChunk2b =
    R"({"id":"D681PevKs","function":{"name":"get_weather","arguments":"{\"location\": \"Paris\"}"},"index":0},)";

const char *const kMistralChunk2c =
    R"({"id":"Zk3mQ9aB1","function":{"name":"get_weather","arguments":{"location":"Lyon"}},"index":0}]},"finish_reason":"tool_calls"}],)";

const char *const kMistralChunk2d =
    R"("usage":{"prompt_tokens":91,"total_tokens":127,"completion_tokens":36}})";

const char *const kMistralValidationError =
    R"({"object":"error","message":{"detail":[{"loc":["body","temperature"],"msg":"Input should be less than or equal to 1.5"}]},"type":"invalid_request_error"})";

} // namespace agency::test::fixtures
