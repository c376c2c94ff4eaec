/** Outbox relay and sinks against real Redis, real BullMQ and a real local HTTP endpoint. */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = promisify(execFile);
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PollEvent } from '../../src/domain/poll-event.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { JsonLinesSink } from '../../src/sinks/jsonl-sink.js';
import { OutboxRelay, unreadableKey } from '../../src/sinks/outbox-relay.js';
import { QueueSink, queueJobIdOf } from '../../src/sinks/queue-sink.js';
import type { Sink } from '../../src/sinks/sink.js';
import {
  signWebhookBody,
  WebhookSink,
  WebhookUnavailableError,
} from '../../src/sinks/webhook-sink.js';
import {
  connectTestRedis,
  deleteKeysWithPrefix,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';
import { tiktokComment } from '../helpers/events.js';

/** Short ids (`tiktok:<n>`) keep these tests' assertions readable. */
const ev = (n: number): PollEvent => tiktokComment(n, `tiktok:${n}`);

/** A flat [k1, v1, k2, v2, …] field list as pairs. */
const chunk = (flat: string[]): [string, string][] =>
  Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]);

let redis: Redis;
const prefixes: string[] = [];
beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  for (const p of prefixes) await deleteKeysWithPrefix(redis, p);
  await redis.quit();
});

async function streamsWith(events: PollEvent[][]): Promise<string[]> {
  const p = uniquePrefix();
  prefixes.push(p);
  const keys = events.map((_, i) => `${p}:{${i}}:outbox`);
  for (const [i, list] of events.entries()) {
    for (const e of list)
      await redis.xadd(keys[i]!, '*', 'id', e.id, 'state', 's', 'event', JSON.stringify(e));
  }
  return keys;
}

class MemorySink implements Sink {
  readonly name = 'memory';
  delivered: PollEvent[] = [];
  failNext = 0;
  deliver(events: readonly PollEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('sink down'));
    }
    this.delivered.push(...events);
    return Promise.resolve();
  }
}

describe('OutboxRelay', () => {
  it('delivers every entry of every partition once, acknowledges, and trims what was delivered', async () => {
    const streams = await streamsWith([[ev(1), ev(2)], [], [ev(3)]]);
    const sink = new MemorySink();
    const metrics = createMetrics();
    const relay = new OutboxRelay({ redis, streams, sinks: [sink], metrics, retentionMs: 0 });
    expect(await relay.runOnce()).toBe(3);
    expect(await relay.runOnce()).toBe(0);
    expect(sink.delivered.map((e) => e.id).sort()).toEqual(['tiktok:1', 'tiktok:2', 'tiktok:3']);
    await relay.trim();
    expect(await relay.length()).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('ep_relay_delivered_total')).toContain(
      'sink="memory"} 3',
    );
  });

  it('keeps entries pending when a sink fails and delivers them on a later round', async () => {
    const streams = await streamsWith([[ev(4), ev(5)]]);
    const sink = new MemorySink();
    sink.failNext = 1;
    const relay = new OutboxRelay({
      redis,
      streams,
      sinks: [sink],
      claimIdleMs: 0,
      retentionMs: 0,
    });
    expect(await relay.runOnce()).toBe(0);
    await relay.trim();
    expect(await relay.length()).toBe(2); // nothing undelivered is trimmed
    expect(await relay.runOnce()).toBe(2);
    expect(sink.delivered.map((e) => e.id)).toEqual(['tiktok:4', 'tiktok:5']);
  });

  it('gives each sink its own lane: one failing sink neither holds up the others nor makes them receive entries again', async () => {
    const streams = await streamsWith([[ev(9)]]);
    const stream = streams[0]!;
    const failing = new MemorySink();
    failing.failNext = 1;
    const healthy = new MemorySink();
    const warnings: object[] = [];
    const relay = new OutboxRelay({
      redis,
      streams,
      sinks: [failing, healthy], // two sinks of one name still get a group each
      claimIdleMs: 0,
      retentionMs: 0,
      logger: { warn: (o) => warnings.push(o), error: () => {} },
    });
    expect(relay.groups).toEqual(['relay:memory', 'relay:memory#2']);
    expect(await relay.runOnce()).toBe(1);
    expect(healthy.delivered.map((e) => e.id)).toEqual(['tiktok:9']);
    expect((await redis.xpending(stream, 'relay:memory'))[0]).toBe(1);
    expect((await redis.xpending(stream, 'relay:memory#2'))[0]).toBe(0);
    expect(warnings).toHaveLength(1);
    await relay.trim();
    expect(await relay.length()).toBe(1); // not trimmed while one lane has not delivered it
    expect(await relay.runOnce()).toBe(1);
    expect(failing.delivered.map((e) => e.id)).toEqual(['tiktok:9']);
    expect(healthy.delivered.map((e) => e.id)).toEqual(['tiktok:9']); // not delivered again
    expect((await redis.xpending(stream, 'relay:memory'))[0]).toBe(0);
    await relay.trim();
    expect(await relay.length()).toBe(0);
  });

  it('logs no warning for a sink that refuses quietly (a webhook pausing during an outage)', async () => {
    const streams = await streamsWith([[ev(10)]]);
    const quiet: Sink = {
      name: 'quiet',
      deliver: () => Promise.reject(new WebhookUnavailableError('paused', true)),
    };
    const warnings: object[] = [];
    const metrics = createMetrics();
    const relay = new OutboxRelay({
      redis,
      streams,
      sinks: [quiet],
      metrics,
      logger: { warn: (o) => warnings.push(o), error: () => {} },
    });
    expect(await relay.runOnce()).toBe(0);
    expect(warnings).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString('ep_relay_failures_total')).toContain(
      'sink="quiet"} 1',
    );
  });

  it('trims nothing, and does not fail, on streams that do not exist yet', async () => {
    const p = uniquePrefix();
    prefixes.push(p);
    const relay = new OutboxRelay({
      redis,
      streams: [`${p}:{0}:outbox`],
      sinks: [new MemorySink()],
    });
    await expect(relay.trim()).resolves.toBeUndefined();
    expect(await relay.length()).toBe(0);
  });

  it('keeps history for direct consumers within the retention window', async () => {
    const streams = await streamsWith([[ev(6)]]);
    const relay = new OutboxRelay({
      redis,
      streams,
      sinks: [new MemorySink()],
      retentionMs: 3_600_000,
    });
    await relay.runOnce();
    await relay.trim();
    expect(await relay.length()).toBe(1);
  });

  it('runs as a loop until stopped', async () => {
    const streams = await streamsWith([[ev(7)]]);
    const sink = new MemorySink();
    const relay = new OutboxRelay({ redis, streams, sinks: [sink], idleWaitMs: 5 });
    relay.start();
    expect(relay.isRunning()).toBe(true);
    await expect.poll(() => sink.delivered.length).toBe(1);
    await relay.stop();
    expect(relay.isRunning()).toBe(false);
  });

  it('sets an unreadable entry aside with its reason, without blocking the others', async () => {
    const streams = await streamsWith([[ev(8)]]);
    const stream = streams[0]!;
    const broken = await redis.xadd(stream, '*', 'id', 'x', 'event', '{broken');
    const invalid = await redis.xadd(stream, '*', 'id', 'y', 'event', '{"id":"y"}');
    const sink = new MemorySink();
    const other = new MemorySink();
    const errors: Record<string, unknown>[] = [];
    const relay = new OutboxRelay({
      redis,
      streams,
      sinks: [sink, other], // two lanes read them: they are set aside once
      logger: { warn: () => {}, error: (o) => errors.push(o as Record<string, unknown>) },
    });
    expect(await relay.runOnce()).toBe(2);
    expect(sink.delivered.map((e) => e.id)).toEqual(['tiktok:8']);
    expect(other.delivered.map((e) => e.id)).toEqual(['tiktok:8']);
    expect(errors.map((e) => e['entryId'])).toEqual([broken, invalid]);
    // Nothing pending: the relay does not retry them forever, and nothing was dropped either.
    expect((await redis.xpending(stream, 'relay:memory'))[0]).toBe(0);
    expect((await redis.xpending(stream, 'relay:memory#2'))[0]).toBe(0);
    const aside = await redis.xrange(unreadableKey(stream), '-', '+');
    expect(aside).toHaveLength(2);
    const fields = aside.map(([, f]) => Object.fromEntries(chunk(f)));
    expect(fields[0]).toMatchObject({ stream, entry: broken, reason: '"event" is not JSON' });
    expect(JSON.parse(fields[0]!['fields']!)).toEqual(['id', 'x', 'event', '{broken']);
    expect(fields[1]).toMatchObject({ stream, entry: invalid });
    expect(fields[1]!['reason']).toMatch(/platform/);
    expect(unreadableKey(stream)).toMatch(/\{\d+\}/); // same hash slot as its stream
  });
});

describe('JsonLinesSink', () => {
  it('writes one JSON line per event to a stream and to a file', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    await new JsonLinesSink({ stream }).deliver([ev(1), ev(2)]);
    expect(
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as PollEvent).id),
    ).toEqual(['tiktok:1', 'tiktok:2']);

    const path = join(await mkdtemp(join(tmpdir(), 'ep-jsonl-')), 'events.jsonl');
    const file = new JsonLinesSink({ path });
    await file.deliver([ev(3)]);
    await file.deliver([]);
    await file.close();
    expect((await readFile(path, 'utf8')).trim()).toBe(JSON.stringify(ev(3)));
  });
});

describe('QueueSink', () => {
  it('adds each event once to the engagement-events queue, keyed by its id', async () => {
    const p = uniquePrefix();
    prefixes.push(`{${p}`);
    const sink = new QueueSink({ connection: { url: testRedisUrl() }, prefix: `{${p}}` });
    try {
      await sink.deliver([ev(1), ev(2)]);
      await sink.deliver([ev(2)]);
      expect(await sink.queue.getWaitingCount()).toBe(2);
      const job = await sink.queue.getJob('ev-tiktok%3A1');
      expect((job?.data as PollEvent).id).toBe('tiktok:1');
      expect(queueJobIdOf('tiktok:1')).toBe(job?.id);
      // One-to-one: ids that a plain ':' to '-' mapping would merge stay apart.
      const ids = [
        'x:a-b:mentions:1',
        'x:a:b-mentions:1',
        'x:a%3Ab:mentions:1',
        'x:a:b:mentions:1',
      ];
      expect(new Set(ids.map(queueJobIdOf)).size).toBe(ids.length);
    } finally {
      await sink.close();
    }
  });
});

describe('WebhookSink', () => {
  let server: Server;
  let url: string;
  const received: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const bodiesAt = (path: string) =>
    received.filter((r) => r.url === path).map((r) => (JSON.parse(r.body) as PollEvent).id);
  let failures = 0;
  let unavailableHits = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (failures > 0) {
          failures--;
          res.writeHead(503).end();
          return;
        }
        const id = (JSON.parse(body) as PollEvent).id;
        if (req.url === '/unauthorized') return void res.writeHead(401).end();
        if (req.url === '/unavailable') {
          unavailableHits++;
          return void res.writeHead(503).end();
        }
        if (req.url === '/reject-11' && id === 'tiktok:11') return void res.writeHead(400).end();
        if (req.url === '/fail-14' && id === 'tiktok:14') return void res.writeHead(500).end();
        if (req.url === '/mixed' && id === 'tiktok:30') return void res.writeHead(400).end();
        if (req.url === '/mixed' && id === 'tiktok:32') return void res.writeHead(503).end();
        received.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  it('posts each event signed with HMAC, with its id as the idempotency key, retrying with backoff', async () => {
    const delays: number[] = [];
    failures = 2;
    const dead: string[] = [];
    const sink = new WebhookSink({
      url: `${url}/hook`,
      secret: 's3cret',
      sleep: (ms) => (delays.push(ms), Promise.resolve()),
      deadLetter: (e) => (dead.push(e.id), Promise.resolve()),
      nowS: () => 1_700_000_000,
    });
    await sink.deliver([ev(1)]);
    expect(delays).toEqual([500, 1000]);
    expect(dead).toEqual([]);
    const last = received.at(-1)!;
    expect(last.headers['idempotency-key']).toBe('tiktok:1');
    expect(last.headers['x-engagement-signature']).toBe(
      `sha256=${signWebhookBody('s3cret', 1_700_000_000, last.body)}`,
    );
  });

  it('treats an endpoint that refuses everything as an outage: the batch goes back, the sink pauses, nothing is dead-lettered', async () => {
    let nowMs = 1_000_000;
    let calls = 0;
    const dead: string[] = [];
    const down = new WebhookSink({
      url: 'http://127.0.0.1:1/nothing-listens',
      secret: 'k',
      maxAttempts: 3,
      pauseMs: 1_000,
      sleep: () => Promise.resolve(),
      nowMs: () => nowMs,
      fetch: (...args) => (calls++, fetch(...args)),
      deadLetter: (e) => (dead.push(e.id), Promise.resolve()),
    });
    const refused = await down.deliver([ev(2), ev(3)]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WebhookUnavailableError);
    expect(refused).toMatchObject({ quiet: false, message: expect.stringMatching(/tiktok:2/) });
    // 3 attempts of the first event, then 1 of the next (is it the event or the endpoint?).
    expect(calls).toBe(4);
    // Paused: fail fast, no request, quietly.
    await expect(down.deliver([ev(4)])).rejects.toMatchObject({ quiet: true });
    expect(calls).toBe(4);
    // Each failed round doubles the pause.
    nowMs += 1_000;
    await expect(down.deliver([ev(2)])).rejects.toMatchObject({ quiet: false });
    nowMs += 1_500;
    await expect(down.deliver([ev(2)])).rejects.toMatchObject({ quiet: true });
    expect(dead).toEqual([]);

    // An endpoint that rejects every event (a wrong secret, say) is an outage too.
    const unauthorized = new WebhookSink({
      url: `${url}/unauthorized`,
      secret: 'k',
      sleep: () => Promise.reject(new Error('must not retry a 401')),
      deadLetter: (e) => (dead.push(e.id), Promise.resolve()),
    });
    await expect(unauthorized.deliver([ev(5), ev(6)])).rejects.toBeInstanceOf(
      WebhookUnavailableError,
    );
    expect(dead).toEqual([]);
  });

  it('times out a request the endpoint never answers, even under garbage collection', async () => {
    // In a child process with --expose-gc: the probe collects garbage while its request hangs.
    const probe = join(import.meta.dirname, '..', 'helpers', 'webhook-hang-probe.ts');
    const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', probe], {
      cwd: join(import.meta.dirname, '..', '..'),
      timeout: 20_000,
    });
    const outcome = JSON.parse(stdout.trim()) as { rejected: boolean; message: string };
    expect(outcome.rejected).toBe(true);
    expect(outcome.message).toMatch(/no answer within 300 ms/);
  });

  it('lets a relay stop while its webhook waits between retries; the batch stays pending', async () => {
    const streams = await streamsWith([[ev(20)]]);
    const dead: string[] = [];
    const webhook = new WebhookSink({
      url: `${url}/unavailable`,
      secret: 'k',
      baseDelayMs: 3_600_000, // a retry wait that would outlast the test by far
      deadLetter: (e) => (dead.push(e.id), Promise.resolve()),
    });
    const relay = new OutboxRelay({ redis, streams, sinks: [webhook], idleWaitMs: 5 });
    const hitsBefore = unavailableHits;
    relay.start();
    await expect.poll(() => unavailableHits).toBe(hitsBefore + 1);
    await relay.stop(); // resolves: the retry wait is cut short
    expect(unavailableHits).toBe(hitsBefore + 1);
    expect(dead).toEqual([]);
    expect((await redis.xpending(streams[0]!, 'relay:webhook'))[0]).toBe(1);
    await expect(webhook.deliver([ev(21)])).rejects.toMatchObject({ quiet: true });
  });

  it('dead-letters an event the endpoint keeps refusing once it accepts the next one', async () => {
    let nowMs = 2_000_000;
    const dead: { id: string; reason: string }[] = [];
    const sink = (path: string) =>
      new WebhookSink({
        url: `${url}${path}`,
        secret: 'k',
        maxAttempts: 4,
        attemptsPerRound: 2,
        pauseMs: 10,
        sleep: () => Promise.resolve(),
        nowMs: () => nowMs,
        deadLetter: (e, reason) => (dead.push({ id: e.id, reason }), Promise.resolve()),
      });
    // A permanent 4xx for one event: dead-lettered at once when the next is accepted.
    const picky = sink('/reject-11');
    await picky.deliver([ev(11), ev(12), ev(13)]);
    expect(dead).toEqual([{ id: 'tiktok:11', reason: expect.stringMatching(/^HTTP 400/) }]);
    expect(bodiesAt('/reject-11')).toEqual(['tiktok:12', 'tiktok:13']);

    // A 5xx for one event: it keeps its count across rounds and goes after maxAttempts in all.
    const flaky = sink('/fail-14');
    await expect(flaky.deliver([ev(14), ev(15)])).rejects.toBeInstanceOf(WebhookUnavailableError);
    expect(dead).toHaveLength(1);
    nowMs += 10;
    await flaky.deliver([ev(14), ev(15)]); // 2 + 2 attempts: the probe of tiktok:15 succeeds
    expect(dead.map((d) => d.id)).toEqual(['tiktok:11', 'tiktok:14']);
    expect(dead[1]!.reason).toMatch(
      /HTTP 500 \(4 failed attempts; the endpoint accepted the next event\)/,
    );
    expect(bodiesAt('/fail-14')).toEqual(['tiktok:15']);
  });

  it('acknowledges what a failed batch delivered or dead-lettered: only the rest is tried again', async () => {
    let nowMs = 4_000_000;
    const streams = await streamsWith([[ev(30), ev(31), ev(32)]]);
    const stream = streams[0]!;
    const dead: string[] = [];
    const webhook = new WebhookSink({
      url: `${url}/mixed`, // 30: 400 (dead-lettered once 31 is accepted), 31: ok, 32: 503
      secret: 'k',
      pauseMs: 10,
      sleep: () => Promise.resolve(),
      nowMs: () => nowMs,
      deadLetter: (e) => (dead.push(e.id), Promise.resolve()),
    });
    const relay = new OutboxRelay({ redis, streams, sinks: [webhook], claimIdleMs: 0 });
    expect(await relay.runOnce()).toBe(0);
    expect(dead).toEqual(['tiktok:30']);
    expect(bodiesAt('/mixed')).toEqual(['tiktok:31']);
    expect((await redis.xpending(stream, 'relay:webhook'))[0]).toBe(1); // 32 only
    nowMs += 1_000; // past the pause
    expect(await relay.runOnce()).toBe(0);
    expect(dead).toEqual(['tiktok:30']); // not dead-lettered again
    expect(bodiesAt('/mixed')).toEqual(['tiktok:31']); // not delivered again
  });

  it('dead-letters a refused event that is alone in its batches once the endpoint accepts any other', async () => {
    let nowMs = 3_000_000;
    const dead: string[] = [];
    const sink = new WebhookSink({
      url: `${url}/reject-11`,
      secret: 'k',
      pauseMs: 10,
      sleep: () => Promise.resolve(),
      nowMs: () => nowMs,
      deadLetter: (e) => (dead.push(e.id), Promise.resolve()),
    });
    // Nothing accepted since it first failed: could be an outage, so it is held back.
    await expect(sink.deliver([ev(11)])).rejects.toBeInstanceOf(WebhookUnavailableError);
    nowMs += 10;
    await sink.deliver([ev(16)]); // another partition's batch goes through
    nowMs += 10;
    await sink.deliver([ev(11)]); // the lone event again: now known to be the problem
    expect(dead).toEqual(['tiktok:11']);
  });
});
