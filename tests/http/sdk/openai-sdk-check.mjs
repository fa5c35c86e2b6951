// The official OpenAI SDK for JavaScript against the agency's /v1 (run by run-openai-sdk-check.sh):
// what an SDK user does, checked through the SDK's own parsing. Exits non-zero on the first failure.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.AGENCY_BASE_URL, apiKey: process.env.AGENCY_KEY });
const flow = process.env.AGENCY_FLOW || "consulting";

function check(condition, what) {
  if (!condition) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

const ids = [];
for await (const model of client.models.list()) ids.push(model.id);
check(ids.includes(flow), `models.list() lists the flow "${flow}"`);

const { data: reply, response } = await client.chat.completions
  .create({ model: flow, messages: [{ role: "user", content: "Hello" }] })
  .withResponse();
check(reply.object === "chat.completion" && reply.id.startsWith("chatcmpl-"), "a chat.completion object");
check(reply.choices[0].message.content.length > 0, "choices[0].message.content");
check(reply.choices[0].finish_reason === "stop", "finish_reason");
check(reply.usage.total_tokens === reply.usage.prompt_tokens + reply.usage.completion_tokens, "usage");
const conversation = response.headers.get("x-conversation-id");
check(/^[0-9a-f-]{36}$/.test(conversation ?? ""), "X-Conversation-Id names the stored conversation");

const stream = await client.chat.completions.create(
  { model: flow, stream: true, stream_options: { include_usage: true },
    messages: [{ role: "user", content: "And then?" }] },
  { headers: { "X-Conversation-Id": conversation } });
let text = "";
let usage = null;
for await (const chunk of stream) {
  text += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
check(text.length > 0, "a streamed answer, continuing the conversation");
check(usage && usage.total_tokens > 0, "stream_options.include_usage");

try {
  await client.chat.completions.create({ model: "no-such-flow", messages: [{ role: "user", content: "x" }] });
  check(false, "an unknown model is refused");
} catch (error) {
  check(error instanceof OpenAI.NotFoundError && error.code === "model_not_found", "NotFoundError, model_not_found");
}
try {
  await client.chat.completions.create({ model: flow, n: 2, messages: [{ role: "user", content: "x" }] });
  check(false, "n = 2 is refused");
} catch (error) {
  check(error instanceof OpenAI.BadRequestError && error.param === "n", "BadRequestError naming n");
}

// Embeddings: the SDK asks for base64 unless told otherwise and decodes it itself; both ways give
// the same unit-length vectors.
const embeddingModel = process.env.AGENCY_EMBEDDING_MODEL || "demo-embedding";
const question = "When can either party terminate the agreement?";
const asFloats = await client.embeddings.create({ model: embeddingModel, input: question, encoding_format: "float" });
check(asFloats.object === "list" && asFloats.data.length === 1 && asFloats.data[0].object === "embedding",
  "embeddings.create(string, float): one embedding");
const floats = asFloats.data[0].embedding;
check(Array.isArray(floats) && floats.length > 0 && floats.every((v) => typeof v === "number"), "float vector");
check(Math.abs(Math.hypot(...floats) - 1) < 1e-4, "unit length");
check(asFloats.usage.prompt_tokens > 0 && asFloats.usage.total_tokens === asFloats.usage.prompt_tokens, "embedding usage");
check(asFloats.model.endsWith(embeddingModel), `model names ${embeddingModel}`);

const byDefault = await client.embeddings.create({ model: embeddingModel, input: question });
const decoded = byDefault.data[0].embedding;
check(Array.isArray(decoded) && decoded.length === floats.length, "SDK default (base64) decoded to a vector");
check(decoded.every((v, i) => v === Math.fround(floats[i])), "base64 and float give the same vector");

const texts = ["ninety days written notice", question, "quarterly audit report"];
const batch = await client.embeddings.create({ model: embeddingModel, input: texts });
check(batch.data.length === 3 && batch.data.every((d, i) => d.index === i && d.embedding.length === floats.length),
  "embeddings.create(array): one vector per input, in order");
check(batch.data[1].embedding.every((v, i) => v === decoded[i]), "the same text gives the same vector in a batch");
check(batch.data[0].embedding.some((v, i) => v !== decoded[i]), "different texts give different vectors");
const batchFloats = await client.embeddings.create({ model: embeddingModel, input: texts, encoding_format: "float" });
check(batchFloats.data.every((d, i) => d.embedding.every((v, j) => Math.fround(v) === batch.data[i].embedding[j])),
  "array input: base64 and float agree");

try {
  await client.embeddings.create({ model: embeddingModel, input: "" });
  check(false, "empty input is refused");
} catch (error) {
  check(error instanceof OpenAI.BadRequestError && error.param === "input", "BadRequestError naming input");
}
