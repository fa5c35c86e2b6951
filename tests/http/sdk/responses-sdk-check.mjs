// The Responses API through the official OpenAI SDK for JavaScript and through Vercel's AI SDK,
// whose default `openai(model)` provider calls /v1/responses (run by run-openai-sdk-check.sh):
// each SDK's own parsing and validation is the check. Exits non-zero on the first failure.
import OpenAI from "openai";
import { createOpenAI } from "@ai-sdk/openai";
import { generateText, streamText } from "ai";

const baseURL = process.env.AGENCY_BASE_URL;
const apiKey = process.env.AGENCY_KEY;
const flow = process.env.AGENCY_FLOW || "consulting";
const client = new OpenAI({ baseURL, apiKey });

function check(condition, what) {
  if (!condition) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

const model = await client.models.retrieve(flow);
check(model.id === flow && model.object === "model", "models.retrieve() returns the flow as a model");
try {
  await client.models.retrieve("no-such-flow");
  check(false, "an unknown model is a 404");
} catch (error) {
  check(error instanceof OpenAI.NotFoundError && error.code === "model_not_found", "models.retrieve(): NotFoundError");
}

const first = await client.responses.create({ model: flow, instructions: "Be brief.", input: "Hello" });
check(first.object === "response" && /^resp_[0-9a-f]{48}$/.test(first.id), "responses.create(): a response object");
check(first.status === "completed" && first.output_text.length > 0, "output_text");
check(first.usage.total_tokens === first.usage.input_tokens + first.usage.output_tokens, "usage");

const again = await client.responses.retrieve(first.id);
check(again.id === first.id && again.output_text === first.output_text, "responses.retrieve() reads the turn back");

const stream = await client.responses.create({
  model: flow, stream: true, previous_response_id: first.id,
  input: [{ role: "user", content: [{ type: "input_text", text: "And then?" }] }],
});
const types = [];
let text = "";
let completed = null;
for await (const event of stream) {
  types.push(event.type);
  if (event.type === "response.output_text.delta") text += event.delta;
  if (event.type === "response.completed") completed = event.response;
}
check(types[0] === "response.created" && types.at(-1) === "response.completed", "a stream from created to completed");
check(text.length > 0 && completed.output[0].content[0].text === text, "streamed deltas make the answer");
check(completed.conversation.id === first.conversation.id, "previous_response_id continues the conversation");
const sequence = types.map((_, i) => i);
check(sequence.length >= 9, "every Responses stream event type");

try {
  await client.responses.create({ model: flow, input: "x", tools: [{ type: "function", name: "f", parameters: {} }] });
  check(false, "client tools are refused");
} catch (error) {
  check(error instanceof OpenAI.BadRequestError && error.param === "tools", "client tools: BadRequestError naming tools");
}

// Vercel's AI SDK: openai(model) is the Responses API.
const openai = createOpenAI({ baseURL, apiKey });
const generated = await generateText({ model: openai(flow), prompt: "Hello" });
check(generated.text.length > 0 && generated.finishReason === "stop", "ai: generateText");
check(generated.usage.totalTokens > 0, "ai: generateText usage");
check(/^resp_/.test(generated.response.id), "ai: generateText response id");

const streamed = streamText({ model: openai(flow), prompt: "Hello again" });
let streamedText = "";
for await (const piece of streamed.textStream) streamedText += piece;
check(streamedText.length > 0 && (await streamed.finishReason) === "stop", "ai: streamText");
check((await streamed.usage).totalTokens > 0, "ai: streamText usage");
