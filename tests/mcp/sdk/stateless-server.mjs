// A server of the stateless MCP revision 2026-07-28 over stdio, in plain node (the SDK does not
// speak it yet): it refuses initialize, answers server/discover, and checks that every request
// names the revision in its _meta. One tool, stamp, says which revision the call named.
import { createInterface } from 'node:readline';

const revision = '2026-07-28';
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');
const complete = { resultType: 'complete' };

createInterface({ input: process.stdin }).on('line', (line) => {
  const message = JSON.parse(line);
  if (message.id === undefined)
    return; // notifications
  const named = message.params?._meta?.['io.modelcontextprotocol/protocolVersion'];
  if (message.method === 'initialize')
    return send({ id: message.id, error: { code: -32601, message: 'Method not found: initialize' } });
  if (named !== revision)
    return send({ id: message.id, error: { code: -32022, message: 'Unsupported protocol version',
                                           data: { requested: String(named), supported: [revision] } } });
  switch (message.method) {
  case 'server/discover':
    return send({ id: message.id, result: { ...complete, supportedVersions: [revision], capabilities: { tools: {} },
                                            cacheScope: 'public', ttlMs: 0 } });
  case 'tools/list':
    return send({ id: message.id, result: { ...complete, cacheScope: 'public', ttlMs: 0,
                                            tools: [{ name: 'stamp', description: 'Names the revision',
                                                      inputSchema: { type: 'object' } }] } });
  case 'tools/call':
    return send({ id: message.id, result: { ...complete, content: [{ type: 'text', text: `stamped ${named}` }] } });
  default:
    return send({ id: message.id, error: { code: -32601, message: `Method not found: ${message.method}` } });
  }
});
