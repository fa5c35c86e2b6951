// A small MCP server over stdio, written with the official TypeScript SDK's low-level Server so
// that tools/list can page (PAGE_SIZE tools a page). Tools: echo (text, with MCP_TEST_GREETING
// from the environment the client merged in), measure (structured content), fail (an isError
// result), crash (the process exits during the call, after a line on stderr), hang (never
// answers; with CANCEL_LOG set, appends "started" to that file when the call arrives and
// "cancelled" when the client cancels it), add_tool (adds late_tool and sends
// notifications/tools/list_changed) and FILLER
// tools filler_00… so the list spans several pages. NEVER_INIT=1: never answers initialize.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { appendFileSync } from 'node:fs';

const pageSize = Number(process.env.PAGE_SIZE || 3);
const fillers = Number(process.env.FILLER || 0);
const object = (properties = {}, required = []) => ({ type: 'object', properties, required });

const tools = [
  { name: 'echo', description: 'Repeats a text', inputSchema: object({ text: { type: 'string' } }, ['text']) },
  { name: 'measure', description: 'Length of a text', inputSchema: object({ text: { type: 'string' } }, ['text']),
    outputSchema: object({ length: { type: 'integer' } }, ['length']) },
  { name: 'fail', description: 'Always reports an error', inputSchema: object() },
  { name: 'crash', description: 'Exits during the call', inputSchema: object() },
  { name: 'hang', description: 'Never answers', inputSchema: object() },
  { name: 'add_tool', description: 'Adds late_tool', inputSchema: object() },
];
for (let i = 0; i < fillers; ++i)
  tools.push({ name: `filler_${String(i).padStart(2, '0')}`, description: `Filler ${i}`, inputSchema: object() });

const server = new Server({ name: 'agency-test-stdio', version: '1.0.0' },
                           { capabilities: { tools: { listChanged: true } } });

server.setRequestHandler(ListToolsRequestSchema, async (request) => {
  const start = Number(request.params?.cursor ?? 0);
  const page = tools.slice(start, start + pageSize);
  const next = start + pageSize < tools.length ? String(start + pageSize) : undefined;
  return next ? { tools: page, nextCursor: next } : { tools: page };
});

server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
  const args = request.params.arguments ?? {};
  switch (request.params.name) {
  case 'echo':
    return { content: [{ type: 'text', text: `${args.text} (${process.env.MCP_TEST_GREETING ?? 'no greeting'})` }] };
  case 'measure':
    return { content: [{ type: 'text', text: `${args.text.length}` }], structuredContent: { length: args.text.length } };
  case 'fail':
    return { isError: true, content: [{ type: 'text', text: 'the printer is on fire' }] };
  case 'crash':
    process.stderr.write('crashing on purpose\n');
    setTimeout(() => process.exit(3), 50);
    return new Promise(() => {});
  case 'hang':
    // The SDK aborts the call's signal when notifications/cancelled names it.
    if (process.env.CANCEL_LOG) {
      extra.signal.addEventListener('abort', () => appendFileSync(process.env.CANCEL_LOG, 'cancelled\n'));
      appendFileSync(process.env.CANCEL_LOG, 'started\n');
    }
    return new Promise(() => {});
  case 'add_tool':
    if (!tools.some((t) => t.name === 'late_tool')) {
      tools.push({ name: 'late_tool', description: 'Added during the session', inputSchema: object() });
      setTimeout(() => server.sendToolListChanged(), 10);
    }
    return { content: [{ type: 'text', text: 'added late_tool' }] };
  case 'late_tool':
    return { content: [{ type: 'text', text: 'late and present' }] };
  default:
    if (request.params.name.startsWith('filler_'))
      return { content: [{ type: 'text', text: request.params.name }] };
    return { isError: true, content: [{ type: 'text', text: `unknown tool ${request.params.name}` }] };
  }
});

if (process.env.NEVER_INIT === '1') {
  // Reads stdin and answers nothing: a server that hangs at start.
  process.stdin.resume();
} else {
  await server.connect(new StdioServerTransport());
}
