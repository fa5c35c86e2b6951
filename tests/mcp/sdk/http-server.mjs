// A small MCP server over Streamable HTTP, written with the official TypeScript SDK's McpServer:
// one session per initialize (Mcp-Session-Id), answers as JSON or as an event stream
// (JSON_RESPONSE=1 for JSON), and every request must carry "Authorization: Bearer <TOKEN>"
// (401 otherwise). Tools: lookup (text and structured content) and whoami (what the headers
// said). Prints "listening <port>" once it listens on 127.0.0.1.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

const token = process.env.TOKEN || 's3cret';
const transports = new Map();

function newServer() {
  const server = new McpServer({ name: 'agency-test-http', version: '1.0.0' });
  server.registerTool('lookup', {
    description: 'Looks a customer up',
    inputSchema: { customer: z.string() },
    outputSchema: { customer: z.string(), tier: z.string() },
  }, async ({ customer }) => ({
    content: [{ type: 'text', text: `${customer} is a gold customer` }],
    structuredContent: { customer, tier: 'gold' },
  }));
  server.registerTool('whoami', { description: 'The protocol version header seen' }, async (extra) => ({
    content: [{ type: 'text', text: `version header ${extra.requestInfo?.headers?.['mcp-protocol-version'] ?? 'none'}` }],
  }));
  return server;
}

const http = createServer(async (req, res) => {
  if (req.headers.authorization !== `Bearer ${token}`) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
    return;
  }
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined;
  const sessionId = req.headers['mcp-session-id'];
  let transport = sessionId ? transports.get(sessionId) : undefined;
  if (!transport) {
    if (sessionId || body?.method !== 'initialize') {
      res.writeHead(404, { 'content-type': 'application/json' })
        .end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse: process.env.JSON_RESPONSE === '1',
      onsessioninitialized: (id) => transports.set(id, transport),
    });
    transport.onclose = () => transports.delete(transport.sessionId);
    await newServer().connect(transport);
  }
  await transport.handleRequest(req, res, body);
});

http.listen(0, '127.0.0.1', () => console.log(`listening ${http.address().port}`));
