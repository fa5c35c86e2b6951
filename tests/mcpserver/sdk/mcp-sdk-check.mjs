// The official MCP TypeScript SDK's Client against the agency's MCP server, over stdio
// (`aiagency mcp --tenant acme`) and over Streamable HTTP (/mcp with acme's key). Every check
// throws on failure; run by run-mcp-sdk-check.sh.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const bin = process.env.AGENCY_BIN;
const base = process.env.AGENCY_URL;
const acmeKey = process.env.ACME_KEY;
const otherKey = process.env.OTHER_KEY;

const api = async (key, path, init = {}) =>
  fetch(base + path, { ...init, headers: { Authorization: `Bearer ${key}`, ...(init.headers ?? {}) } });

async function allTools(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

async function storedMessages(key, conversationId) {
  const r = await api(key, `/conversations/${conversationId}/messages`);
  return { status: r.status, body: r.status === 200 ? await r.json() : null };
}

/// What every transport must offer acme's client.
async function checkAcme(client, label, word) {
  assert.equal(client.getServerVersion().name, 'aiagency', `${label}: server name`);
  const tools = await allTools(client);
  const names = tools.map((t) => t.name);
  for (const expected of ['ask_weather', 'ask_consulting', 'search_conversations', 'search_documents'])
    assert.ok(names.includes(expected), `${label}: ${expected} listed (got ${names})`);
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, 'object', `${label}: ${tool.name} inputSchema`);
    assert.equal(tool.outputSchema?.type, 'object', `${label}: ${tool.name} outputSchema`);
  }

  // ask_<flow>: the demo provider answers; the answer is stored like any turn.
  const asked = await client.callTool({ name: 'ask_weather', arguments: { message: `hello ${word}` } });
  assert.notEqual(asked.isError, true, `${label}: ask_weather failed: ${JSON.stringify(asked.content)}`);
  const { answer, conversation_id: conversationId } = asked.structuredContent;
  assert.ok(answer.length > 0, `${label}: an answer`);
  assert.equal(JSON.parse(asked.content[0].text).conversation_id, conversationId, `${label}: text mirrors structure`);
  const stored = await storedMessages(acmeKey, conversationId);
  assert.equal(stored.status, 200, `${label}: the conversation is readable over HTTP`);
  const texts = stored.body.items.map((m) => `${m.role}:${m.content}`);
  assert.ok(texts.includes(`user:hello ${word}`), `${label}: the question is stored (${texts})`);
  assert.ok(texts.includes(`assistant:${answer}`), `${label}: the answer is stored`);
  assert.equal((await storedMessages(otherKey, conversationId)).status, 404, `${label}: other tenant cannot read it`);

  // Continuing the conversation keeps its id.
  const again = await client.callTool({
    name: 'ask_weather',
    arguments: { message: 'and tomorrow?', conversation_id: conversationId },
  });
  assert.equal(again.structuredContent.conversation_id, conversationId, `${label}: same conversation`);

  const found = await client.callTool({ name: 'search_conversations', arguments: { query: word } });
  assert.ok(
    found.structuredContent.hits.some((h) => h.conversation_id === conversationId),
    `${label}: search_conversations finds the turn`,
  );
  const foreign = await client.callTool({ name: 'search_conversations', arguments: { query: 'zebracorn' } });
  assert.equal(foreign.structuredContent.hits.length, 0, `${label}: the other tenant's conversation is invisible`);

  const docs = await client.callTool({ name: 'search_documents', arguments: { query: 'lighthouse budget' } });
  assert.notEqual(docs.isError, true, `${label}: search_documents failed: ${JSON.stringify(docs.content)}`);
  const hits = docs.structuredContent.hits;
  assert.ok(hits.length >= 1 && hits[0].text.includes('lighthouse'), `${label}: acme's passage found`);
  assert.equal(hits[0].number, 1, `${label}: passages are numbered for citation`);
  const walrus = await client.callTool({ name: 'search_documents', arguments: { query: 'walrus inventory basement' } });
  assert.ok(
    walrus.structuredContent.hits.every((h) => !h.text.includes('walrus')),
    `${label}: the other tenant's document is invisible`,
  );

  // Tool errors are results; protocol errors are JSON-RPC errors.
  const bad = await client.callTool({ name: 'ask_weather', arguments: { text: 'no message' } });
  assert.equal(bad.isError, true, `${label}: bad arguments are a tool error`);
  await assert.rejects(
    client.callTool({ name: 'ask_nothing', arguments: {} }),
    (e) => e instanceof McpError && e.code === -32602,
    `${label}: an unknown tool is -32602`,
  );
  return conversationId;
}

// The other tenant's own conversation, with a word acme must never find.
const other = new Client({ name: 'agency-check-other', version: '1.0.0' });
const otherTransport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
  requestInit: { headers: { Authorization: `Bearer ${otherKey}` } },
});
await other.connect(otherTransport);
const otherTurn = await other.callTool({ name: 'ask_weather', arguments: { message: 'zebracorn sighting' } });
const otherConversation = otherTurn.structuredContent.conversation_id;
const otherFound = await other.callTool({ name: 'search_conversations', arguments: { query: 'zebracorn' } });
assert.equal(otherFound.structuredContent.hits.length >= 1, true, 'other finds its own conversation');
console.log('ok - tenant other has its conversation');

// stdio: the program started as a desktop client would start it.
const stdio = new Client({ name: 'agency-check-stdio', version: '1.0.0' });
await stdio.connect(
  new StdioClientTransport({ command: bin, args: ['mcp', '--tenant', 'acme'], env: { ...process.env }, stderr: 'inherit' }),
);
await checkAcme(stdio, 'stdio', 'stdiokiwi');
await stdio.close();
console.log('ok - stdio: tools listed and called, answers stored, other tenant invisible');

// Streamable HTTP with acme's key.
const http = new Client({ name: 'agency-check-http', version: '1.0.0' });
const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
  requestInit: { headers: { Authorization: `Bearer ${acmeKey}` } },
});
await http.connect(transport);
await checkAcme(http, 'http', 'httpmango');
const foreignTurn = await http.callTool({
  name: 'ask_weather',
  arguments: { message: 'hijack', conversation_id: otherConversation },
});
assert.equal(foreignTurn.isError, true, "continuing the other tenant's conversation fails");
console.log('ok - http: tools listed and called, answers stored, other tenant invisible');

// The session belongs to acme's key: the other key, no key or a foreign page cannot use it.
const ping = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'ping' });
const mcpHeaders = {
  'Content-Type': 'application/json',
  Accept: 'application/json, text/event-stream',
  'Mcp-Session-Id': transport.sessionId,
  'MCP-Protocol-Version': '2025-11-25',
};
assert.equal((await api(acmeKey, '/mcp', { method: 'POST', body: ping, headers: mcpHeaders })).status, 200);
assert.equal((await api(otherKey, '/mcp', { method: 'POST', body: ping, headers: mcpHeaders })).status, 404);
assert.equal((await fetch(`${base}/mcp`, { method: 'POST', body: ping, headers: mcpHeaders })).status, 401);
const evil = await api(acmeKey, '/mcp', { method: 'POST', body: ping, headers: { ...mcpHeaders, Origin: 'https://evil.example' } });
assert.equal(evil.status, 403, 'a foreign Origin is refused');
const sse = await api(acmeKey, '/mcp', {
  method: 'POST',
  body: ping,
  headers: { ...mcpHeaders, Accept: 'text/event-stream' },
});
assert.equal(sse.headers.get('content-type'), 'text/event-stream');
assert.match(await sse.text(), /^event: message\ndata: \{.*"id":99.*\}\n\n$/s);
console.log('ok - http: the session is bound to its key, Origin checked, SSE answers');

await transport.terminateSession();
assert.equal((await api(acmeKey, '/mcp', { method: 'POST', body: ping, headers: mcpHeaders })).status, 404);
await http.close();
await other.close();
console.log('ok - http: DELETE ends the session');
