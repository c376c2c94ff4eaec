/**
 * The simulator's HTTP server: one port, the three platforms under their real paths, and the
 * inspection routes under `/_sim/` (ground truth, request log, resources, credentials, run-time
 * controls). Built on node:http for throughput.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, systemClock, type Clock } from '../domain/clock.js';
import { PLATFORMS, RESOURCE_TYPES, type Platform, type ResourceType } from '../domain/platform.js';
import type { SimAnswer, SimContext, SimRequest } from './context.js';
import { Faults, type QueuedFault } from './faults.js';
import { handleLinkedIn } from './linkedin-api.js';
import { resolveConfig, type SimulatorConfig, type SimulatorConfigInput } from './options.js';
import { RateLimits } from './rate-limits.js';
import { RequestLog, type RequestLogEntry, type RequestStats } from './request-log.js';
import { handleTikTok } from './tiktok-api.js';
import { handleTikTokResearch } from './tiktok-research-api.js';
import {
  World,
  type SimCredential,
  type SimResource,
  type TruthFilter,
  type TruthItem,
} from './world.js';
import { handleX } from './x-api.js';

/** What `startSimulator` accepts: the configuration plus where to listen and which clock to follow. */
export interface SimulatorOptions extends SimulatorConfigInput {
  /** Port to listen on (0: any free port). @defaultValue 0 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** The clock the world follows; drive a ManualClock to move time in tests. @defaultValue systemClock */
  clock?: Clock;
}

/** A running simulator. */
export interface Simulator {
  /** Base URL, e.g. `http://127.0.0.1:40123` (every platform lives under it). */
  url: string;
  port: number;
  world: World;
  clock: Clock;
  faults: Faults;
  limits: RateLimits;
  log: RequestLog;
  config: SimulatorConfig;
  /** Bring the world up to the clock's time (requests do this themselves). */
  sync(): void;
  /** Ground truth at the clock's time. */
  truth(filter?: TruthFilter): TruthItem[];
  /** The request log's totals (including `violations`). */
  stats(): RequestStats;
  /** Stop listening, drop hung requests and open connections. */
  close(): Promise<void>;
}

/** Start a simulator on a port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const config = resolveConfig(options);
  const clock = options.clock ?? systemClock;
  const faults = new Faults(config.faults, config.seed);
  const world = new World(config, clock.now(), faults.options);
  const ctx: SimContext = {
    world,
    clock,
    limits: new RateLimits(),
    faults,
    log: new RequestLog(config.requestLogLimit),
    config,
  };
  const hung = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      dispatch(ctx, req, res, '', hung);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => dispatch(ctx, req, res, Buffer.concat(chunks).toString('utf8'), hung));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const sync = (): void => world.advanceTo(clock.now());
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    world,
    clock,
    faults,
    limits: ctx.limits,
    log: ctx.log,
    config,
    sync,
    truth: (filter) => {
      sync();
      return world.truth(filter);
    },
    stats: () => ctx.log.stats(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const res of hung) res.destroy();
        hung.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function dispatch(
  ctx: SimContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  hung: Set<ServerResponse>,
): void {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const nowMs = ctx.clock.now();
  ctx.world.advanceTo(nowMs);
  const simReq: SimRequest = {
    method: req.method ?? 'GET',
    path: q < 0 ? rawUrl : rawUrl.slice(0, q),
    query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
    headers: req.headers,
    body,
    nowMs,
  };
  let result: SimAnswer | null;
  try {
    result = simReq.path.startsWith('/_sim/')
      ? handleInspection(simReq, ctx)
      : (handleX(simReq, ctx) ??
        handleTikTok(simReq, ctx) ??
        handleTikTokResearch(simReq, ctx) ??
        handleLinkedIn(simReq, ctx));
  } catch (err) {
    result = {
      status: 500,
      headers: {},
      body: {
        error: { code: 'simulator_bug', message: err instanceof Error ? err.message : String(err) },
      },
      platform: null,
      endpoint: 'error',
      clientId: null,
      outcome: 'fault_5xx',
      overLimit: null,
    };
  }
  if (result === null) {
    result = {
      status: 404,
      headers: {},
      body: { message: `no such path: ${simReq.path}` },
      platform: null,
      endpoint: 'unknown',
      clientId: null,
      outcome: 'not_found',
      overLimit: null,
    };
  }
  if (result.platform !== null) {
    const entry: RequestLogEntry = {
      atMs: nowMs,
      platform: result.platform,
      endpoint: result.endpoint,
      method: simReq.method,
      path: simReq.path,
      clientId: result.clientId,
      status: result.status,
      outcome: result.outcome,
      overLimit: result.overLimit,
    };
    ctx.log.add(entry);
  }
  if (result.hang) {
    hung.add(res);
    res.on('close', () => hung.delete(res));
    return;
  }
  const text = result.raw ? String(result.body) : JSON.stringify(result.body);
  const answer = result;
  const write = (): void => {
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=utf-8',
      ...answer.headers,
    });
    res.end(text);
  };
  const latency = result.platform === null ? 0 : ctx.faults.options.latencyMs;
  if (latency > 0) setTimeout(write, latency);
  else write();
}

function inspection(status: number, body: unknown): SimAnswer {
  return {
    status,
    headers: {},
    body,
    platform: null,
    endpoint: 'inspection',
    clientId: null,
    outcome: 'ok',
    overLimit: null,
  };
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function asPlatform(v: unknown): Platform | undefined {
  return typeof v === 'string' && (PLATFORMS as readonly string[]).includes(v)
    ? (v as Platform)
    : undefined;
}

/** The `/_sim/*` routes. */
function handleInspection(req: SimRequest, ctx: SimContext): SimAnswer {
  const q = req.query;
  const world = ctx.world;
  switch (`${req.method} ${req.path}`) {
    case 'GET /_sim/health':
      return inspection(200, { ok: true, nowMs: req.nowMs });
    case 'GET /_sim/truth': {
      const filter: TruthFilter = {};
      const clientId = q.get('clientId');
      const platform = asPlatform(q.get('platform'));
      const resourceType = q.get('resourceType');
      const resourceId = q.get('resourceId');
      if (clientId !== null) filter.clientId = clientId;
      if (platform !== undefined) filter.platform = platform;
      if (resourceType !== null && (RESOURCE_TYPES as readonly string[]).includes(resourceType)) {
        filter.resourceType = resourceType as ResourceType;
      }
      if (resourceId !== null) filter.resourceId = resourceId;
      return inspection(200, { nowMs: req.nowMs, items: world.truth(filter) });
    }
    case 'GET /_sim/requests': {
      const since = q.get('sinceMs');
      return inspection(200, {
        stats: ctx.log.stats(),
        entries: ctx.log.entries(since === null ? undefined : Number(since)),
      });
    }
    case 'GET /_sim/resources': {
      const clientId = q.get('clientId');
      const resources: SimResource[] = world.resources(clientId ?? undefined);
      return inspection(200, { resources });
    }
    case 'GET /_sim/credentials': {
      const credentials: SimCredential[] = world.credentials();
      return inspection(200, {
        credentials,
        xAppToken: world.xAppToken,
        tiktokResearchToken: world.tiktokResearchToken,
      });
    }
    case 'POST /_sim/revoke':
    case 'POST /_sim/expire':
    case 'POST /_sim/reissue': {
      const body = parseJson(req.body);
      const platform = asPlatform(body.platform);
      const clientId = typeof body.clientId === 'string' ? body.clientId : '';
      if (!platform || !world.client(clientId))
        return inspection(400, {
          error: { code: 'invalid_request', message: 'clientId and platform required' },
        });
      if (req.path === '/_sim/revoke') world.revoke(clientId, platform);
      else if (req.path === '/_sim/expire') world.expire(clientId, platform);
      else return inspection(200, { accessToken: world.reissue(clientId, platform) });
      return inspection(200, { ok: true });
    }
    case 'POST /_sim/faults': {
      const body = parseJson(req.body);
      if (typeof body.configure === 'object' && body.configure !== null)
        ctx.faults.configure(body.configure);
      if (typeof body.inject === 'object' && body.inject !== null)
        ctx.faults.inject(body.inject as QueuedFault);
      if (body.clear === true) ctx.faults.clear();
      return inspection(200, { faults: ctx.faults.options });
    }
    case 'POST /_sim/advance': {
      const body = parseJson(req.body);
      if (!(ctx.clock instanceof ManualClock))
        return inspection(409, {
          error: { code: 'real_clock', message: 'the simulator follows the real clock' },
        });
      if (typeof body.byMs === 'number') ctx.clock.advance(body.byMs);
      else if (typeof body.toMs === 'number') ctx.clock.set(body.toMs);
      world.advanceTo(ctx.clock.now());
      return inspection(200, { nowMs: ctx.clock.now() });
    }
    default:
      return inspection(404, {
        error: { code: 'not_found', message: `no such route: ${req.method} ${req.path}` },
      });
  }
}
