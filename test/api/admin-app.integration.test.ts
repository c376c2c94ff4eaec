import { Writable } from 'node:stream';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildAdminApp } from '../../src/api/app.js';
import type { ExplainResult, ReadinessReport } from '../../src/api/deps.js';
import { API_ERRORS } from '../../src/api/errors.js';
import type { ResourceView } from '../../src/api/views.js';
import { ManualClock } from '../../src/domain/clock.js';
import { updatePollingState, type PollingState } from '../../src/domain/polling-state.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { createLogger } from '../../src/runtime/logger.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import { connectTestRedis, deleteKeysWithPrefix, uniquePrefix } from '../helpers/redis.js';

const OPERATOR = 'operator-key-0123456789abcdef';
const ACME = 'acme-client-key-0123456789abc';
const GLOBEX = 'globex-client-key-0123456789a';
const T0 = Date.UTC(2026, 2, 1, 12);

let redis: Redis;
let store: PollingStateStore;
let clock: ManualClock;
let app: FastifyInstance;
let readiness: () => Promise<ReadinessReport>;
let explain: (state: PollingState) => Promise<ExplainResult>;

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
/** The parsed JSON body (light-my-request types it loosely; assertions check its shape). */
/** Every response shape these tests read, in one loose type (assertions check the values). */
interface Body {
  created: boolean;
  resource: ResourceView;
  resources: ResourceView[];
  error: { code: string; message: string; details: { field: string; reason: string }[] };
  status: string;
  verdict: string;
  reason: string;
  dueIndex: { indexed: boolean; claimed: boolean };
  errors: unknown;
  rateLimit: unknown;
  openapi: string;
  paths: Record<string, object>;
  components: {
    schemas: { Error: { properties: { error: { properties: { code: { enum: string[] } } } } } };
  };
}
const body = (res: LightMyRequestResponse): Body => res.json<Body>();
const base = (clientId: string) => `/v1/clients/${clientId}/resources`;

async function register(
  clientId: string,
  payload: Record<string, unknown>,
  key = OPERATOR,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: base(clientId), headers: auth(key), payload });
}

async function registerId(clientId: string, payload: Record<string, unknown>): Promise<string> {
  const res = await register(clientId, payload);
  expect(res.statusCode).toBe(201);
  return body(res).resource.id;
}

beforeAll(() => {
  redis = connectTestRedis();
  store = new PollingStateStore({
    redis,
    prefix: uniquePrefix('api'),
    partitions: 4,
    // The corrupt-state tests set values aside on purpose; their reports are not news.
    onCorrupt: () => undefined,
  });
  clock = new ManualClock(T0);
  const metrics = createMetrics();
  metrics.polls.inc({ platform: 'x', resource_type: 'mentions', outcome: 'ok' });
  app = buildAdminApp({
    store,
    metrics,
    clock,
    auth: { operatorKey: OPERATOR, clientKeys: { acme: ACME, globex: GLOBEX } },
    readiness: () => readiness(),
    explain: (state) => explain(state),
    policy: { maxErrors: 5 },
  });
});

beforeEach(() => {
  readiness = () => Promise.resolve({ redis: true, workersRunning: true, stalled: false });
  explain = () => Promise.resolve({ rateLimit: null });
});

afterAll(async () => {
  await app.close();
  await deleteKeysWithPrefix(redis, `${store.keys.prefix}:`);
  await redis.quit();
});

describe('authentication', () => {
  it('answers 401 without a key, with an unknown key or a malformed header', async () => {
    for (const headers of [
      {},
      auth('not-a-configured-key-000000'),
      { authorization: OPERATOR },
      { authorization: 'Basic abc' },
    ]) {
      const res = await app.inject({ method: 'GET', url: base('acme'), headers });
      expect(res.statusCode).toBe(401);
      expect(body(res).error.code).toBe('unauthorized');
      expect(res.headers['www-authenticate']).toBe('Bearer');
    }
  });

  it('refuses keys shared by two callers at build time', () => {
    expect(() =>
      buildAdminApp({
        store,
        metrics: createMetrics(),
        clock,
        auth: { operatorKey: ACME, clientKeys: { acme: ACME } },
        readiness: () => readiness(),
      }),
    ).toThrow(/distinct/);
  });
});

describe('POST /v1/clients/:clientId/resources', () => {
  it('registers a resource (201) and returns the existing one on a repeat (200)', async () => {
    const payload = { platform: 'x', resourceType: 'mentions', resourceId: '1001' };
    const first = await register('acme', payload, ACME);
    expect(first.statusCode).toBe(201);
    expect(body(first)).toMatchObject({
      created: true,
      resource: {
        clientId: 'acme',
        platform: 'x',
        resourceType: 'mentions',
        resourceId: '1001',
        status: 'active',
        cursor: null,
        lastPolledAt: null,
        nextPollAt: new Date(T0).toISOString(),
        consecutiveErrors: 0,
        lastErrorCode: null,
      },
    });
    const again = await register('acme', payload, ACME);
    expect(again.statusCode).toBe(200);
    expect(body(again).created).toBe(false);
    expect(body(again).resource.id).toBe(body(first).resource.id);
  });

  it.each([
    [{ platform: 'x', resourceType: 'mentions' }, 'resourceId'],
    [{ platform: 'myspace', resourceType: 'mentions', resourceId: '1' }, 'platform'],
    [{ platform: 'tiktok', resourceType: 'dms' }, 'resourceType'],
    [{ platform: 'x', resourceType: 'dms', resourceId: '5' }, 'resourceId'],
    [{ platform: 'tiktok', resourceType: 'comments', resourceId: 'abc' }, 'resourceId'],
    [{ platform: 'x', resourceType: 'dms', cursor: 'x' }, 'cursor'],
  ])('answers 400 naming the field for %o', async (payload, field) => {
    const res = await register('acme', payload);
    expect(res.statusCode).toBe(400);
    const { error } = body(res);
    expect(error.code).toBe('invalid_request');
    expect(error.details.map((d) => d.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it('answers 400 for a bad clientId, a non-object or malformed body, 415 for non-JSON', async () => {
    const badClient = await register('-bad', { platform: 'x', resourceType: 'dms' });
    expect(body(badClient).error.details[0]?.field).toBe('clientId');
    const array = await app.inject({
      method: 'POST',
      url: base('acme'),
      headers: { ...auth(OPERATOR), 'content-type': 'application/json' },
      payload: '[1]',
    });
    expect(array.statusCode).toBe(400);
    expect(body(array).error.details[0]?.field).toBe('(body)');
    const malformed = await app.inject({
      method: 'POST',
      url: base('acme'),
      headers: { ...auth(OPERATOR), 'content-type': 'application/json' },
      payload: '{"platform":',
    });
    expect(malformed.statusCode).toBe(400);
    expect(body(malformed).error.code).toBe('invalid_request');
    const text = await app.inject({
      method: 'POST',
      url: base('acme'),
      headers: { ...auth(OPERATOR), 'content-type': 'application/xml' },
      payload: '<platform>x</platform>',
    });
    expect(text.statusCode).toBe(415);
    expect(body(text).error.code).toBe('unsupported_media_type');
    const huge = await register('acme', {
      platform: 'x',
      resourceType: 'dms',
      pad: 'x'.repeat(20_000),
    });
    expect(huge.statusCode).toBe(413);
    expect(body(huge).error.code).toBe('payload_too_large');
  });
});

describe('reading and listing', () => {
  it("lists a client's resources with their state, filtered by platform", async () => {
    const id = await registerId('lister', { platform: 'linkedin', resourceType: 'inbox' });
    await registerId('lister', { platform: 'x', resourceType: 'dms' });
    const all = await app.inject({ method: 'GET', url: base('lister'), headers: auth(OPERATOR) });
    expect(all.statusCode).toBe(200);
    expect(body(all).resources).toHaveLength(2);
    const li = await app.inject({
      method: 'GET',
      url: `${base('lister')}?platform=linkedin`,
      headers: auth(OPERATOR),
    });
    expect(body(li).resources.map((r) => r.id)).toEqual([id]);
    expect(body(li).resources[0]).toMatchObject({ resourceId: null, walkInProgress: false });
    const bad = await app.inject({
      method: 'GET',
      url: `${base('lister')}?platform=myspace`,
      headers: auth(OPERATOR),
    });
    expect(bad.statusCode).toBe(400);
    expect(body(bad).error.details[0]?.field).toBe('platform');
    const badClient = await app.inject({ method: 'GET', url: base('-x'), headers: auth(OPERATOR) });
    expect(body(badClient).error.details[0]?.field).toBe('clientId');
    const empty = await app.inject({ method: 'GET', url: base('nobody'), headers: auth(OPERATOR) });
    expect(body(empty)).toEqual({ resources: [], corrupt: [] });
  });

  it('reads one resource; an unknown or malformed id is 404', async () => {
    const id = await registerId('reader', { platform: 'x', resourceType: 'dms' });
    const res = await app.inject({
      method: 'GET',
      url: `${base('reader')}/${id}`,
      headers: auth(OPERATOR),
    });
    expect(res.statusCode).toBe(200);
    expect(body(res).resource.id).toBe(id);
    for (const other of ['0'.repeat(32), 'nope']) {
      const missing = await app.inject({
        method: 'GET',
        url: `${base('reader')}/${other}`,
        headers: auth(OPERATOR),
      });
      expect(missing.statusCode).toBe(404);
      expect(body(missing).error.code).toBe('not_found');
    }
  });
});

describe('client isolation', () => {
  it("answers 404, never data, for another client's path or resource", async () => {
    const globexId = await registerId('globex', {
      platform: 'tiktok',
      resourceType: 'comments',
      resourceId: '7234567890123456789',
    });
    const acmeId = await registerId('acme', { platform: 'x', resourceType: 'dms' });
    const attempts: { method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object }[] = [
      { method: 'GET', url: base('globex') },
      { method: 'POST', url: base('globex'), payload: { platform: 'x', resourceType: 'dms' } },
      ...['', '/why'].map((s) => ({
        method: 'GET' as const,
        url: `${base('globex')}/${globexId}${s}`,
      })),
      ...['/resume', '/poll-now'].map((s) => ({
        method: 'POST' as const,
        url: `${base('globex')}/${globexId}${s}`,
      })),
      { method: 'DELETE', url: `${base('globex')}/${globexId}` },
      // Its own path with another client's id.
      ...['', '/why'].map((s) => ({
        method: 'GET' as const,
        url: `${base('acme')}/${globexId}${s}`,
      })),
      ...['/resume', '/poll-now'].map((s) => ({
        method: 'POST' as const,
        url: `${base('acme')}/${globexId}${s}`,
      })),
      { method: 'DELETE', url: `${base('acme')}/${globexId}` },
    ];
    for (const attempt of attempts) {
      const res = await app.inject({ ...attempt, headers: auth(ACME) });
      expect(res.statusCode, `${attempt.method} ${attempt.url}`).toBe(404);
      expect(body(res)).toEqual({ error: { code: 'not_found', message: 'resource not found' } });
      expect(res.body).not.toContain('7234567890123456789');
    }
    // Nothing was changed, and each client and the operator still see their own.
    const asGlobex = await app.inject({
      method: 'GET',
      url: `${base('globex')}/${globexId}`,
      headers: auth(GLOBEX),
    });
    expect(body(asGlobex).resource.version).toBe(0);
    const asOperator = await app.inject({
      method: 'GET',
      url: `${base('acme')}/${acmeId}`,
      headers: auth(OPERATOR),
    });
    expect(asOperator.statusCode).toBe(200);
    const listed = await app.inject({ method: 'GET', url: base('globex'), headers: auth(GLOBEX) });
    expect(body(listed).resources.map((r) => r.id)).toContain(globexId);
  });
});

describe('DELETE /v1/clients/:clientId/resources/:stateId', () => {
  it('unregisters (204) and then answers 404', async () => {
    const id = await registerId('deleter', { platform: 'x', resourceType: 'dms' });
    const url = `${base('deleter')}/${id}`;
    const del = await app.inject({ method: 'DELETE', url, headers: auth(OPERATOR) });
    expect(del.statusCode).toBe(204);
    expect(del.body).toBe('');
    expect(await store.get(id)).toBeNull();
    expect((await app.inject({ method: 'DELETE', url, headers: auth(OPERATOR) })).statusCode).toBe(
      404,
    );
  });
});

async function setState(
  id: string,
  change: (s: PollingState) => PollingState,
): Promise<PollingState> {
  const state = await store.get(id);
  if (state === null) throw new Error('missing');
  const next = change(state);
  await store.save(next);
  return next;
}

describe('POST …/resume', () => {
  it('puts a needs_reauth resource back on schedule, due now, errors cleared', async () => {
    const id = await registerId('resumer', { platform: 'x', resourceType: 'dms' });
    await setState(id, (s) =>
      updatePollingState(s, { success: false, error: 'token revoked', code: 'auth' }, new Date(T0)),
    );
    expect(await store.getDueScore({ id, platform: 'x' })).toBeNull();
    clock.advance(60_000);
    const res = await app.inject({
      method: 'POST',
      url: `${base('resumer')}/${id}/resume`,
      headers: auth(OPERATOR),
    });
    expect(res.statusCode).toBe(200);
    expect(body(res).resource).toMatchObject({
      status: 'active',
      consecutiveErrors: 0,
      lastErrorCode: null,
      nextPollAt: new Date(clock.now()).toISOString(),
    });
    expect(await store.getDueScore({ id, platform: 'x' })).toBe(clock.now());
  });

  it('answers 409 invalid_status for an active resource', async () => {
    const id = await registerId('resumer2', { platform: 'x', resourceType: 'dms' });
    const res = await app.inject({
      method: 'POST',
      url: `${base('resumer2')}/${id}/resume`,
      headers: auth(ACME),
    });
    expect(res.statusCode).toBe(404);
    const op = await app.inject({
      method: 'POST',
      url: `${base('resumer2')}/${id}/resume`,
      headers: auth(OPERATOR),
    });
    expect(op.statusCode).toBe(409);
    expect(body(op).error).toMatchObject({ code: 'invalid_status', details: { status: 'active' } });
  });
});

describe('POST …/poll-now', () => {
  it('makes a resource due now and re-scores the due index', async () => {
    const id = await registerId('acme', {
      platform: 'x',
      resourceType: 'mentions',
      resourceId: '555',
    });
    await setState(id, (s) =>
      updatePollingState(s, { success: true, cursor: '100', itemsFound: 1 }, new Date(clock.now())),
    );
    expect(await store.getDueScore({ id, platform: 'x' })).toBeGreaterThan(clock.now());
    const res = await app.inject({
      method: 'POST',
      url: `${base('acme')}/${id}/poll-now`,
      headers: auth(ACME),
    });
    expect(res.statusCode).toBe(202);
    expect(body(res).resource).toMatchObject({
      nextPollAt: new Date(clock.now()).toISOString(),
      cursor: '100',
    });
    expect(await store.getDueScore({ id, platform: 'x' })).toBe(clock.now());
  });

  it('answers 409 for a paused resource', async () => {
    const id = await registerId('acme', {
      platform: 'x',
      resourceType: 'replies',
      resourceId: '9',
    });
    await setState(id, (s) =>
      updatePollingState(
        s,
        { success: false, error: 'deleted', code: 'not_found' },
        new Date(clock.now()),
      ),
    );
    const res = await app.inject({
      method: 'POST',
      url: `${base('acme')}/${id}/poll-now`,
      headers: auth(ACME),
    });
    expect(res.statusCode).toBe(409);
    expect(body(res).error.details).toEqual({ status: 'paused' });
  });
});

describe('GET …/why', () => {
  async function why(clientId: string, id: string): Promise<Body> {
    const res = await app.inject({
      method: 'GET',
      url: `${base(clientId)}/${id}/why`,
      headers: auth(OPERATOR),
    });
    expect(res.statusCode).toBe(200);
    return body(res);
  }

  it('says a fresh resource is due and waiting for the scheduler', async () => {
    const id = await registerId('why1', { platform: 'x', resourceType: 'dms' });
    const answer = await why('why1', id);
    expect(answer).toMatchObject({
      verdict: 'due',
      status: 'active',
      dueIndex: { indexed: true, claimed: false },
      schedule: { isDue: true },
      rateLimit: { inspected: true, blocked: false },
    });
    expect(answer.reason).toMatch(/waiting for the scheduler/);
  });

  it('names the rate budget that blocks a due resource and when it refills', async () => {
    const id = await registerId('why2', { platform: 'x', resourceType: 'dms' });
    explain = () =>
      Promise.resolve({
        rateLimit: { scope: 'app', reason: 'exhausted', blockedUntilMs: clock.now() + 90_000 },
      });
    const answer = await why('why2', id);
    expect(answer.verdict).toBe('rate_limited');
    expect(answer.rateLimit).toMatchObject({
      inspected: true,
      blocked: true,
      scope: 'app',
      blockedUntil: new Date(clock.now() + 90_000).toISOString(),
    });
    expect(answer.reason).toMatch(/x app rate budget \(exhausted\).*in 1 min 30 s/);
  });

  it('reports a claim, the error threshold and credentials trouble', async () => {
    const id = await registerId('why3', { platform: 'linkedin', resourceType: 'inbox' });
    await store.claimDue({
      platform: 'linkedin',
      now: new Date(clock.now()),
      leaseMs: 120_000,
      limit: 10_000,
    });
    expect((await why('why3', id)).verdict).toBe('claimed');

    await setState(id, (s) => {
      let next = s;
      for (let i = 0; i < 5; i++) {
        next = updatePollingState(
          next,
          { success: false, error: '502 bad gateway' },
          new Date(clock.now()),
        );
      }
      return next;
    });
    const probing = await why('why3', id);
    expect(probing.verdict).toBe('probing');
    expect(probing.errors).toEqual({
      consecutiveErrors: 5,
      maxErrors: 5,
      lastErrorCode: 'transient',
      lastError: '502 bad gateway',
    });
    expect(probing.reason).toMatch(/threshold of 5/);

    await setState(id, (s) =>
      updatePollingState(
        s,
        { success: false, error: 'revoked', code: 'auth' },
        new Date(clock.now()),
      ),
    );
    const reauth = await why('why3', id);
    expect(reauth.verdict).toBe('needs_reauth');
    expect(reauth.dueIndex.indexed).toBe(false);
  });

  it('still answers when the rate limiter cannot be inspected', async () => {
    const id = await registerId('why4', { platform: 'x', resourceType: 'dms' });
    explain = () => Promise.reject(new Error('redis down'));
    const answer = await why('why4', id);
    expect(answer.rateLimit).toEqual({
      inspected: false,
      reason: 'the rate limiter could not be inspected',
    });
    expect(answer.verdict).toBe('due');
  });
});

describe('operations routes', () => {
  it('GET /healthz answers without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(body(res)).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when ready, 503 with every check otherwise', async () => {
    const ok = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ok.statusCode).toBe(200);
    expect(body(ok).status).toBe('ready');
    readiness = () =>
      Promise.resolve({
        redis: true,
        workersRunning: false,
        stalled: true,
        details: { waiting: 3 },
      });
    const down = await app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(body(down).error).toMatchObject({
      code: 'not_ready',
      message: 'not ready: workers not running, jobs stalled',
      details: { redis: true, workersRunning: false, stalled: true, details: { waiting: 3 } },
    });
    readiness = () => Promise.reject(new Error('ECONNREFUSED'));
    const failed = await app.inject({ method: 'GET', url: '/readyz' });
    expect(failed.statusCode).toBe(503);
    expect(body(failed).error.details).toEqual({ error: 'ECONNREFUSED' });
  });

  it('GET /metrics serves Prometheus text without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain(
      'ep_polls_total{platform="x",resource_type="mentions",outcome="ok"} 1',
    );
    expect(res.body).not.toMatch(/acme|globex/);
  });

  it('GET /openapi.json describes exactly the routes the app serves', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = body(res);
    expect(doc.openapi).toBe('3.1.0');
    const described: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        const url = path.replace(/\{(\w+)\}/g, ':$1');
        described.push(`${method.toUpperCase()} ${url}`);
        expect(app.hasRoute({ method: method.toUpperCase(), url }), `${method} ${url}`).toBe(true);
      }
    }
    expect(described.sort()).toEqual(
      [
        'POST /v1/clients/:clientId/resources',
        'GET /v1/clients/:clientId/resources',
        'GET /v1/clients/:clientId/resources/:stateId',
        'DELETE /v1/clients/:clientId/resources/:stateId',
        'POST /v1/clients/:clientId/resources/:stateId/resume',
        'POST /v1/clients/:clientId/resources/:stateId/poll-now',
        'GET /v1/clients/:clientId/resources/:stateId/why',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
      ].sort(),
    );
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(
      Object.keys(API_ERRORS),
    );
  });

  it('answers 404 in the error format for an unknown route', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(body(res)).toEqual({ error: { code: 'not_found', message: 'no such route' } });
  });
});

describe('logging', () => {
  it('logs requests through the given pino logger without any key', async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logged = buildAdminApp({
      store,
      metrics: createMetrics(),
      clock,
      auth: { operatorKey: OPERATOR, clientKeys: { acme: ACME } },
      readiness: () => readiness(),
      logger: createLogger({ destination, level: 'debug' }),
    });
    try {
      await logged.inject({ method: 'GET', url: base('acme'), headers: auth(ACME) });
      await logged.inject({
        method: 'POST',
        url: base('acme'),
        headers: auth(OPERATOR),
        payload: {},
      });
      await logged.inject({ method: 'GET', url: base('acme'), headers: auth(`${ACME}x`) });
    } finally {
      await logged.close();
    }
    const text = chunks.join('');
    expect(text).toContain('"url":"/v1/clients/acme/resources"');
    expect(text).not.toContain(ACME);
    expect(text).not.toContain(OPERATOR);
  });
});

describe('framework-level errors', () => {
  it('answers an over-long path segment in the error envelope without echoing it', async () => {
    const long = 'a'.repeat(150);
    const res = await app.inject({
      method: 'GET',
      url: `/v1/clients/${long}/resources`,
      headers: auth(OPERATOR),
    });
    expect(res.statusCode).toBe(400);
    expect(body(res)).toMatchObject({ error: { code: 'invalid_request' } });
    expect(res.body).not.toContain(long);
  });

  it('refuses a text/plain body with 415 unsupported_media_type', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/clients/acme/resources',
      headers: { ...auth(OPERATOR), 'content-type': 'text/plain' },
      payload: 'platform=x',
    });
    expect(res.statusCode).toBe(415);
    expect(body(res)).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });
});

describe('a corrupt stored state', () => {
  /** Two ways a state key gets corrupt: a string that is not a state, and another Redis type. */
  const CORRUPTIONS = {
    'invalid JSON': async (key: string) => {
      await redis.set(key, '{"id": oops');
    },
    'a hash (WRONGTYPE)': async (key: string) => {
      await redis.del(key);
      await redis.hset(key, 'status', 'active');
    },
  } as const;

  for (const [label, corrupt] of Object.entries(CORRUPTIONS)) {
    it(`answers 500 corrupt_state for read, why, poll-now and resume of ${label}`, async () => {
      const clientId = `corrupt-${label.length}`;
      const id = await registerId(clientId, { platform: 'x', resourceType: 'dms' });
      await corrupt(store.keys.state(id));
      const url = `${base(clientId)}/${id}`;
      for (const [method, path] of [
        ['GET', ''],
        ['GET', '/why'],
        ['POST', '/poll-now'],
        ['POST', '/resume'],
      ] as const) {
        const res = await app.inject({ method, url: `${url}${path}`, headers: auth(OPERATOR) });
        expect({ path, status: res.statusCode, code: body(res).error.code }).toEqual({
          path,
          status: 500,
          code: 'corrupt_state',
        });
      }
      // Another client's key still learns nothing.
      const other = await app.inject({ method: 'GET', url: `${url}/why`, headers: auth(GLOBEX) });
      expect(other.statusCode).toBe(404);
    });

    it(`lists ${label} as corrupt beside the valid resources, and unregisters it`, async () => {
      const clientId = `lister-${label.length}`;
      const good = await registerId(clientId, { platform: 'x', resourceType: 'dms' });
      const bad = await registerId(clientId, { platform: 'linkedin', resourceType: 'inbox' });
      await corrupt(store.keys.state(bad));
      const list = await app.inject({
        method: 'GET',
        url: base(clientId),
        headers: auth(OPERATOR),
      });
      expect(list.statusCode).toBe(200);
      expect(body(list).resources.map((r) => r.id)).toEqual([good]);
      expect(list.json<{ corrupt: unknown[] }>().corrupt).toEqual([
        {
          id: bad,
          platform: null,
          status: 'corrupt',
          reason: expect.stringMatching(/not JSON|holds a Redis hash/) as unknown,
        },
      ]);
      const del = await app.inject({
        method: 'DELETE',
        url: `${base(clientId)}/${bad}`,
        headers: auth(OPERATOR),
      });
      expect(del.statusCode).toBe(204);
      expect(await redis.exists(store.keys.state(bad))).toBe(0);
      const after = await app.inject({
        method: 'GET',
        url: base(clientId),
        headers: auth(OPERATOR),
      });
      expect(after.json<{ resources: ResourceView[]; corrupt: unknown[] }>()).toMatchObject({
        resources: [{ id: good }],
        corrupt: [],
      });
    });
  }
});
