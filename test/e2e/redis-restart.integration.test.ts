/**
 * Redis crashing and coming back while polls run. The run's shared test Redis keeps no data on
 * disk (and other test files use it), so this test starts its own `redis-server` with an
 * append-only file fsynced on every write, SIGKILLs it in the middle of polling and restarts it on
 * the same port and directory. What was acknowledged survives; the runtime's connections
 * reconnect; afterwards everything published is emitted exactly once.
 *
 * A Redis that loses acknowledged writes (no persistence, or `appendfsync everysec` losing up to a
 * second) is not covered: the seen ledger would then forget emitted items, and exactly-once cannot
 * hold — only at-least-once towards the sinks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../src/demo/harness.js';
import { ManualClock } from '../../src/domain/clock.js';
import { uniquePrefix } from '../helpers/redis.js';
import { waitFor } from '../helpers/worker-processes.js';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A durable redis-server on a fixed port and directory, so that it can be killed and restarted. */
function startDurableRedis(port: number, dir: string): ChildProcess {
  return spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => {
      sock.write('PING\r\n');
    });
    sock.once('data', (b) => {
      sock.destroy();
      resolve(b.toString().startsWith('+PONG'));
    });
    sock.once('error', () => resolve(false));
  });
}

let harness: Harness | null = null;
let redis: ChildProcess | null = null;
let dir = '';
afterEach(async () => {
  await harness?.close();
  harness = null;
  if (redis !== null && redis.exitCode === null && redis.signalCode === null) {
    const gone = new Promise((r) => redis!.once('exit', r));
    redis.kill('SIGKILL');
    await gone;
  }
  redis = null;
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const T0 = Date.UTC(2026, 2, 2, 9);

describe('Redis restart', () => {
  it('emits everything exactly once across a SIGKILL and restart of a durable Redis mid-poll', async () => {
    dir = mkdtempSync(join(tmpdir(), 'ep-redis-restart-'));
    const port = await freePort();
    redis = startDurableRedis(port, dir);
    await waitFor('redis to listen', () => ping(port), 20_000);

    const clock = new ManualClock(T0);
    harness = await startHarness({
      redisUrl: `redis://127.0.0.1:${port}`,
      prefix: uniquePrefix('rr'),
      clock,
      simulator: { seed: 'redis-restart', clients: 3 },
      config: {
        worker: { concurrency: 8, lockDurationMs: 2_000, stalledIntervalMs: 500 },
        scheduler: { leaseMs: 30_000 },
        log: { level: 'silent' },
      },
      runtime: { logger: pino({ level: 'silent' }) },
    });
    const h = harness;
    await h.registerAll();
    let restarts = 0;
    for (let minute = 0; minute < 30; minute++) {
      await h.registerAll();
      await h.scheduleAll();
      if (minute % 10 === 5) {
        // Jobs are queued and running: Redis dies under them and comes back.
        const old = redis;
        const gone = new Promise((r) => old.once('exit', r));
        old.kill('SIGKILL');
        await gone;
        redis = startDurableRedis(port, dir);
        await waitFor('redis to come back', () => ping(port), 20_000);
        restarts++;
      }
      await h.drain(120_000);
      clock.advance(60_000);
    }
    await h.registerAll();
    const cutoff = clock.now();
    await h.catchUp({ onRound: () => Promise.resolve(void clock.advance(60_000)) });
    const comparison = await h.compare(cutoff);

    expect(restarts).toBe(3);
    expect(comparison.published).toBeGreaterThan(20);
    expect(comparison.lost).toEqual([]);
    expect(comparison.duplicated).toEqual([]);
    expect(comparison.unknown).toEqual([]);
    expect(comparison.overLimit).toBe(0);
  }, 240_000);
});
