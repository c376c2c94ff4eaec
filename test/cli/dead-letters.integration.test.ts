/**
 * `dead-letters` in-process against the test Redis (a unique prefix) and a local webhook: listing,
 * and replaying oldest first, each entry leaving the list only once the webhook accepted it.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import type { PollEvent } from '../../src/domain/poll-event.js';
import { signWebhookBody, webhookDeadLetterKey } from '../../src/sinks/webhook-sink.js';
import {
  connectTestRedis,
  deleteKeysWithPrefix,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';
import { tiktokComment } from '../helpers/events.js';

const SECRET = 'replay-secret-0123456789';
const prefix = uniquePrefix('dl');
const redis = connectTestRedis();

const ev = (n: number): PollEvent => tiktokComment(n);

let server: Server;
let url = '';
let refuse = new Set<string>();
const accepted: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const ts = Number(req.headers['x-engagement-timestamp']);
      const signed =
        req.headers['x-engagement-signature'] === `sha256=${signWebhookBody(SECRET, ts, body)}`;
      const id = (JSON.parse(body) as PollEvent).id;
      if (!signed || refuse.has(id)) return void res.writeHead(400).end();
      accepted.push(id);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/hook`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await deleteKeysWithPrefix(redis, `${prefix}:`);
  await redis.quit();
});

function memoryIo(env: Record<string, string>): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    env: { REDIS_URL: testRedisUrl(), EP_PREFIX: prefix, ...env },
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    isTTY: false,
    stdout,
    stderr,
  };
}

describe('engagement-poller dead-letters', () => {
  it('lists the dead letters and replays them oldest first, each leaving the list once accepted', async () => {
    const key = webhookDeadLetterKey(prefix);
    const entry = (n: number) =>
      JSON.stringify({ event: ev(n), reason: 'HTTP 500', at: `2026-12-0${n}T00:00:00.000Z` });
    // LPUSH: the first pushed is the oldest (the list's tail).
    await redis.lpush(key, entry(1), '{broken', entry(2), entry(3));

    const listed = memoryIo({});
    expect(await runCli(['dead-letters'], listed)).toBe(0);
    const text = listed.stdout.join('');
    expect(text).toContain('4 dead-lettered event(s)');
    expect(text.indexOf('tiktok:c1:comments:3')).toBeLessThan(text.indexOf('tiktok:c1:comments:1'));
    const asJson = memoryIo({});
    expect(await runCli(['dead-letters', '--json', '--limit', '2'], asJson)).toBe(0);
    const parsed = JSON.parse(asJson.stdout.join('')) as { total: number; entries: unknown[] };
    expect(parsed.total).toBe(4);
    expect(parsed.entries).toHaveLength(2);

    // Without a webhook configured, replay is a usage error.
    const noHook = memoryIo({});
    expect(await runCli(['dead-letters', '--replay'], noHook)).toBe(2);
    expect(noHook.stderr.join('')).toMatch(/EP_WEBHOOK_URL/);

    const env = { EP_WEBHOOK_URL: url, EP_WEBHOOK_SECRET: SECRET };
    refuse = new Set(['tiktok:c1:comments:2']);
    const first = memoryIo(env);
    expect(await runCli(['dead-letters', '--replay'], first)).toBe(1);
    expect(accepted).toEqual(['tiktok:c1:comments:1']);
    expect(first.stderr.join('')).toContain('the webhook refused tiktok:c1:comments:2: HTTP 400\n');
    expect(await redis.llen(key)).toBe(3); // the unreadable entry, 2 and 3

    refuse = new Set();
    const second = memoryIo(env);
    expect(await runCli(['dead-letters', '--replay'], second)).toBe(0);
    expect(accepted).toEqual([
      'tiktok:c1:comments:1',
      'tiktok:c1:comments:2',
      'tiktok:c1:comments:3',
    ]);
    expect(await redis.lrange(key, 0, -1)).toEqual(['{broken']); // unreadable: left for a person
    expect(second.stdout.join('')).toContain('2 replayed; 1 left');
  });
});
