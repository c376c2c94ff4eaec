/**
 * The product running against the platform simulator, checked against its ground truth. Used by the
 * demo command, the end-to-end tests and the pipeline benchmark. Like `simulator/`, this folder is
 * never imported by production code paths.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load-config.js';
import type { ConfigInput } from '../config/config-schema.js';
import type { Clock } from '../domain/clock.js';
import { PLATFORMS } from '../domain/platform.js';
import type { PollEvent } from '../domain/poll-event.js';
import { startRuntime, type Roles, type Runtime, type RuntimeOptions } from '../runtime/runtime.js';
import {
  startSimulator,
  type SimCredential,
  type Simulator,
  type SimulatorOptions,
  writeWorkerCredentialsFile,
} from '../simulator/index.js';

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  redisUrl: string;
  /** Key prefix of this run (isolates it in a shared Redis). */
  prefix: string;
  clock?: Clock;
  simulator?: Omit<SimulatorOptions, 'clock'>;
  /** Configuration on top of the defaults (as a config file would give it). */
  config?: ConfigInput;
  roles?: Roles;
  runtime?: Partial<Pick<RuntimeOptions, 'logger' | 'extraSinks' | 'onPollOutcome' | 'metrics'>>;
}

/** What the product emitted compared with what the platforms published. */
export interface TruthComparison {
  /** Items published up to the cut-off. */
  published: number;
  /** Distinct events in the outbox. */
  emitted: number;
  /** Published up to the cut-off, never emitted. */
  lost: string[];
  /** Emitted more than once. */
  duplicated: string[];
  /** Emitted, but never published (by the time of the comparison). */
  unknown: string[];
  /** Requests the simulator counted over a rate limit. */
  overLimit: number;
}

/** A running simulator + product pair. */
export interface Harness {
  sim: Simulator;
  runtime: Runtime;
  credentialsPath: string;
  /**
   * Register every resource of the simulator's world (idempotent: call it again as new posts and
   * videos appear, as an agency registers new posts). Returns how many were new.
   */
  registerAll(): Promise<number>;
  /** Run the scheduler for every platform until nothing more is due. Returns jobs enqueued. */
  scheduleAll(): Promise<number>;
  /** Wait until the poll queue has no waiting, active or delayed job. */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Poll every registered state until each has finished a successful walk that started after the
   * moment of the call ("poll now" for each, repeated; `onRound` may move a manual clock so that
   * rate-limit blocks run out).
   */
  catchUp(options?: { maxRounds?: number; onRound?: () => Promise<void> }): Promise<void>;
  /** Every event in the outbox streams, in stream order. */
  outboxEvents(): Promise<PollEvent[]>;
  /** Compare the outbox with the ground truth published up to `cutoffMs`. */
  compare(cutoffMs: number): Promise<TruthComparison>;
  close(): Promise<void>;
}

/** Options of {@link startProduct}: the product against a platform base URL it did not start. */
export interface ProductOptions extends Omit<HarnessOptions, 'simulator'> {
  /** The platforms' base URL (a simulator in this or another process). */
  platformBaseUrl: string;
  /** Each client's token per platform, as `world.credentials()` or `GET /_sim/credentials` gives them. */
  credentials: readonly SimCredential[];
}

/** The product's roles wired to a platform base URL, with a credentials file written for them. */
export interface Product {
  runtime: Runtime;
  credentialsPath: string;
  /** Run the scheduler for every platform until nothing more is due. Returns jobs enqueued. */
  scheduleAll(): Promise<number>;
  close(): Promise<void>;
}

/** Start the product's roles against a running simulator (in this process or another one). */
export async function startProduct(options: ProductOptions): Promise<Product> {
  const dir = mkdtempSync(join(tmpdir(), 'ep-harness-'));
  const credentialsPath = join(dir, 'credentials.json');
  writeWorkerCredentialsFile(credentialsPath, options.credentials);
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      ...options.config,
      redis: { ...options.config?.redis, url: options.redisUrl, prefix: options.prefix },
      credentials: { file: credentialsPath },
    }),
  );
  const config = loadConfig({ env: {}, file: configFile });
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      config,
      roles: options.roles ?? { worker: true },
      platformBaseUrl: options.platformBaseUrl,
      ...(options.clock ? { clock: options.clock } : {}),
      ...options.runtime,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    runtime,
    credentialsPath,
    async scheduleAll() {
      let total = 0;
      for (const platform of PLATFORMS) {
        for (;;) {
          const n = await runtime.scheduler.scheduleDuePollJobs(platform);
          total += n;
          if (n === 0) break;
        }
      }
      return total;
    },
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Start a simulator and the product's roles wired to it. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const { simulator, ...productOptions } = options;
  const sim = await startSimulator({
    ...simulator,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  let product: Product;
  try {
    product = await startProduct({
      ...productOptions,
      platformBaseUrl: sim.url,
      credentials: sim.world.credentials(),
    });
  } catch (err) {
    await sim.close();
    throw err;
  }
  const { runtime, credentialsPath } = product;

  const harness: Harness = {
    sim,
    runtime,
    credentialsPath,
    async registerAll() {
      let n = 0;
      for (const ref of sim.world.resources()) {
        if ((await runtime.scheduler.registerPollableResource(ref)).created) n++;
      }
      return n;
    },
    scheduleAll: () => product.scheduleAll(),
    async drain(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = await runtime.pollQueue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
        );
        if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0)
          return;
        if (Date.now() > deadline)
          throw new Error(`poll queue did not drain: ${JSON.stringify(c)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async catchUp(opts = {}) {
      const maxRounds = opts.maxRounds ?? 50;
      const cutoffMs = runtime.clock.now();
      const ids = new Set<string>();
      for (const ref of sim.world.resources()) {
        for (const s of await runtime.store.listByClientPlatform(ref.clientId, ref.platform))
          ids.add(s.id);
      }
      // A state is caught up once a walk that *began* after the cut-off has ended successfully. A
      // walk's start is not stored, so: first observe the state quiet (no walk in progress, no job
      // holding its poll lock) at or after the cut-off; any poll committed after that began later.
      const quietAt = new Map<string, { version: number; atMs: number }>();
      let stuck: string[] = [];
      for (let round = 0; round < maxRounds; round++) {
        stuck = [];
        let unfinished = 0;
        for (const id of ids) {
          const s = await runtime.store.get(id);
          if (s === null || (s.status !== 'active' && s.status !== 'backing_off')) continue;
          const quiet = quietAt.get(id);
          const done =
            quiet !== undefined &&
            s.version > quiet.version &&
            s.pageToken === null &&
            s.consecutiveErrors === 0 &&
            s.lastPolledAt !== null &&
            s.lastPolledAt.getTime() >= quiet.atMs &&
            s.lastPolledAt.getTime() >= cutoffMs;
          if (done) continue;
          if (quiet === undefined && s.pageToken === null) {
            const locked = (await runtime.redis.exists(runtime.store.keys.lock(id))) === 1;
            if (!locked) quietAt.set(id, { version: s.version, atMs: runtime.clock.now() });
          }
          unfinished++;
          stuck.push(
            `${s.platform}/${s.resourceType}/${s.resourceId ?? '-'} ${s.status} errors=${s.consecutiveErrors} ` +
              `pageToken=${s.pageToken ?? '-'} last=${s.lastErrorCode ?? '-'}: ${s.lastError ?? ''}`,
          );
          // "Poll now".
          const nowMs = runtime.clock.now();
          if (s.nextPollAt.getTime() > nowMs) {
            await runtime.store.saveIfVersion(
              {
                ...s,
                nextPollAt: new Date(nowMs),
                version: s.version + 1,
                updatedAt: new Date(nowMs),
              },
              s.version,
            );
          }
        }
        if (unfinished === 0) return;
        await harness.scheduleAll();
        await harness.drain();
        await opts.onRound?.();
      }
      throw new Error(
        `catch-up did not finish in ${maxRounds} rounds; unfinished:\n${stuck.slice(0, 10).join('\n')}`,
      );
    },
    async outboxEvents() {
      const events: PollEvent[] = [];
      for (const key of runtime.store.outboxKeys()) {
        let start = '-';
        for (;;) {
          const batch = await runtime.redis.xrange(key, start, '+', 'COUNT', 1000);
          for (const [, fields] of batch) {
            const i = fields.indexOf('event');
            events.push(JSON.parse(fields[i + 1] as string) as PollEvent);
          }
          if (batch.length < 1000) break;
          const last = batch[batch.length - 1]![0];
          const [ms, seq] = last.split('-');
          start = `${ms}-${Number(seq) + 1}`;
        }
      }
      return events;
    },
    async compare(cutoffMs) {
      const events = await harness.outboxEvents();
      const counts = new Map<string, number>();
      for (const e of events) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
      const truthNow = sim.truth();
      const publishedByCutoff = truthNow.filter((t) => t.publishedAtMs <= cutoffMs);
      const known = new Set(truthNow.map((t) => t.eventId));
      return {
        published: publishedByCutoff.length,
        emitted: counts.size,
        lost: publishedByCutoff.map((t) => t.eventId).filter((id) => !counts.has(id)),
        duplicated: [...counts].filter(([, n]) => n > 1).map(([id]) => id),
        unknown: [...counts.keys()].filter((id) => !known.has(id)),
        overLimit: sim.stats().violations,
      };
    },
    async close() {
      await product.close();
      await sim.close();
    },
  };
  return harness;
}
