/**
 * A child process for the webhook timeout test: `node --expose-gc --import tsx
 * test/helpers/webhook-hang-probe.ts`. It posts one event to a local endpoint that never answers,
 * with a 300 ms timeout, while forcing garbage collection every 20 ms (a timeout signal that can
 * be collected would never fire), and prints one JSON line: how the delivery ended.
 */
import { createServer } from 'node:http';
import { WebhookSink } from '../../src/sinks/webhook-sink.js';
import { tiktokComment } from './events.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');

const server = createServer(() => {
  // Never answers.
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const addr = server.address();
const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
const collector = setInterval(gc, 20);
const sink = new WebhookSink({
  url: `http://127.0.0.1:${port}/hang`,
  secret: 'k',
  timeoutMs: 300,
  attemptsPerRound: 1,
  maxAttempts: 1,
  deadLetter: () => Promise.resolve(),
});
const started = Date.now();
const outcome = await sink.deliver([tiktokComment(1)]).then(
  () => ({ rejected: false, message: '' }),
  (err: unknown) => ({ rejected: true, message: err instanceof Error ? err.message : '' }),
);
clearInterval(collector);
process.stdout.write(`${JSON.stringify({ ...outcome, elapsedMs: Date.now() - started })}\n`);
server.closeAllConnections();
server.close();
