/**
 * The runtime's `api` role: the admin API listens for real, its "why" answer reads the real rate
 * limiter, readiness reaches Redis and the poll queue, and signals close the runtime.
 */
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { loadConfig } from '../../src/config/load-config.js';
import { ManualClock } from '../../src/domain/clock.js';
import { installSignalHandlers, startRuntime, type Runtime } from '../../src/runtime/runtime.js';
import {
  connectTestRedis,
  deleteDeploymentKeys,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';

const OPERATOR_KEY = 'operator-key-0123456789';
const T0 = Date.UTC(2026, 2, 2, 9);

let runtime: Runtime | null = null;
let prefix = '';
afterEach(async () => {
  await runtime?.close();
  runtime = null;
  const redis = connectTestRedis();
  await deleteDeploymentKeys(redis, prefix);
  await redis.quit();
});

async function startApi(clock: ManualClock): Promise<Runtime> {
  prefix = uniquePrefix('api');
  const config = loadConfig({
    env: {
      REDIS_URL: testRedisUrl(),
      EP_PREFIX: prefix,
      EP_API_PORT: '0',
      EP_OPERATOR_KEY: OPERATOR_KEY,
    },
  });
  runtime = await startRuntime({
    config,
    roles: { api: true },
    clock,
    logger: pino({ level: 'silent' }),
  });
  return runtime;
}

const auth = { authorization: `Bearer ${OPERATOR_KEY}` };

describe('runtime api role', () => {
  it('listens and explains a rate-limit block from the real limiter', async () => {
    const clock = new ManualClock(T0);
    const rt = await startApi(clock);
    expect(rt.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { state } = await rt.store.register(
      { clientId: 'acme', platform: 'x', resourceType: 'mentions', resourceId: '2244994945' },
      new Date(T0),
    );
    const blocked = await rt.limiter.block({
      platform: 'x',
      endpoint: 'mentions',
      clientId: 'acme',
      resetAtMs: T0 + 600_000,
    });
    expect(blocked.kind).toBe('recorded');

    const res = await fetch(`${rt.apiUrl}/v1/clients/acme/resources/${state.id}/why`, {
      headers: auth,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      verdict: string;
      rateLimit: { inspected: boolean; blocked: boolean; scope: string };
    };
    expect(body.verdict).toBe('rate_limited');
    expect(body.rateLimit).toMatchObject({ inspected: true, blocked: true, scope: 'blocked' });

    // Another resource type is charged to another endpoint: not blocked.
    const dms = await rt.store.register(
      { clientId: 'acme', platform: 'x', resourceType: 'dms' },
      new Date(T0),
    );
    const other = (await (
      await fetch(`${rt.apiUrl}/v1/clients/acme/resources/${dms.state.id}/why`, { headers: auth })
    ).json()) as { verdict: string; rateLimit: { blocked: boolean } };
    expect(other.rateLimit.blocked).toBe(false);
    expect(other.verdict).toBe('due');
  });

  it('answers /readyz from Redis and the poll queue, and serves metrics', async () => {
    const rt = await startApi(new ManualClock(T0));
    const ready = await fetch(`${rt.apiUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      checks: { redis: true, workersRunning: true, stalled: false },
    });
    const metrics = await rt.api!.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('ep_polls_total');
  });

  it('polls a resource now through the API', async () => {
    const clock = new ManualClock(T0);
    const rt = await startApi(clock);
    const { state } = await rt.store.register(
      { clientId: 'acme', platform: 'x', resourceType: 'dms' },
      new Date(T0),
    );
    await rt.store.save({
      ...state,
      nextPollAt: new Date(T0 + 3_600_000),
      version: state.version + 1,
    });
    clock.advance(1000);
    const res = await rt.api!.inject({
      method: 'POST',
      url: `/v1/clients/acme/resources/${state.id}/poll-now`,
      headers: auth,
    });
    expect(res.statusCode).toBe(202);
    expect((await rt.store.get(state.id))!.nextPollAt.getTime()).toBe(T0 + 1000);
  });

  it('refuses to start when the port is taken, naming it', async () => {
    const clock = new ManualClock(T0);
    const first = await startApi(clock);
    const port = new URL(first.apiUrl!).port;
    const config = loadConfig({
      env: { REDIS_URL: testRedisUrl(), EP_PREFIX: prefix, EP_API_PORT: port },
    });
    await expect(
      startRuntime({ config, roles: { api: true }, clock, logger: pino({ level: 'silent' }) }),
    ).rejects.toThrow(`cannot listen on 127.0.0.1:${port}`);
  });
});

describe('installSignalHandlers', () => {
  it('closes the runtime on the first signal and exits 1 on the second', async () => {
    const codes: number[] = [];
    let closes = 0;
    let finishClose: () => void = () => undefined;
    const fake = {
      logger: pino({ level: 'silent' }),
      close: () => {
        closes++;
        return new Promise<void>((resolve) => (finishClose = resolve));
      },
    };
    const signals: string[] = [];
    const remove = installSignalHandlers(fake, {
      exit: (code) => codes.push(code),
      onSignal: (s) => signals.push(s),
    });
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(closes).toBe(1);
      process.emit('SIGINT', 'SIGINT');
      expect(codes).toEqual([1]);
      finishClose();
      await new Promise((r) => setImmediate(r));
      expect(codes).toEqual([1, 0]);
      expect(signals).toEqual(['SIGTERM']);
    } finally {
      remove();
    }
  });
});
