/**
 * `demo`: the whole product on one machine against the platform simulator, with real time sped up
 * (a {@link ScaledClock} shared by the simulator and the runtime). Shows live progress, then checks
 * what was emitted against the simulator's ground truth: nothing lost, nothing duplicated, no
 * request over a limit.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino, type DestinationStream } from 'pino';
import type { ConfigInput } from '../../config/config-schema.js';
import { PLATFORMS, type Platform } from '../../domain/platform.js';
import { startHarness, type Harness, type TruthComparison } from '../../demo/harness.js';
import { createLogger } from '../../runtime/logger.js';
import { startPrivateRedis, type PrivateRedis } from '../../runtime/private-redis.js';
import { deleteRunKeys } from '../../runtime/run-keys.js';
import { ScaledClock } from '../../simulator/index.js';
import { CliExit, type CliIo } from '../io.js';

const MINUTE_MS = 60_000;

/** Options of {@link runDemo}. */
export interface DemoOptions {
  io: CliIo;
  /** A Redis to use (keys under a unique prefix, deleted at the end). @defaultValue a private redis-server */
  redisUrl?: string | undefined;
  /** Wall-clock seconds of traffic before the catch-up and the check. @defaultValue 45 (10 with `short`) */
  durationS?: number | undefined;
  /** Clients in the simulated world, each with an account on every platform. @defaultValue 24 (6 with `short`) */
  clients?: number | undefined;
  /** Small world and about 10 s (CI). @defaultValue false */
  short?: boolean | undefined;
  /** Run until `signal` aborts. @defaultValue false */
  forever?: boolean | undefined;
  /** Write the events as JSON lines to this file (`-`: standard output). */
  eventsPath?: string | undefined;
  /** Simulated ms per real ms. @defaultValue 60 */
  speed?: number | undefined;
  /** Seed of the simulated world. @defaultValue a random one */
  seed?: string | undefined;
  /** Ends the traffic early (Ctrl-C); the catch-up and the summary still run. */
  signal?: AbortSignal | undefined;
  /** Where the logs go. @defaultValue standard error */
  logDestination?: DestinationStream | undefined;
  /** Lowest log level. @defaultValue 'warn' (the progress display stays readable) */
  logLevel?: string | undefined;
  /** Called after the product stopped and before the run's keys are deleted (tests inspect them). */
  beforeCleanup?: (run: { redisUrl: string; prefix: string; tokens: string[] }) => Promise<void>;
}

/** The checked result of a demo run. */
export interface DemoSummary extends Omit<TruthComparison, 'lost' | 'duplicated' | 'unknown'> {
  lost: number;
  duplicated: number;
  unknown: number;
  /** True when lost, duplicated, unknown and over-limit are all 0. */
  isOk: boolean;
}

function linkedInStandardTier() {
  const day = (limit: number) => ({ limit, windowMs: 86_400_000, alignment: 'utc-aligned' });
  const budget = { app: day(100_000), account: day(5_000), blockScopeOn429: 'account' };
  return { comments: budget, conversations: budget, notifications: budget };
}

/** Demo settings: intervals of a minute or two of simulated time (a second or two at ×60). */
function demoConfig(eventsPath: string | undefined): ConfigInput {
  return {
    intervals: {
      x: { mentions: MINUTE_MS, replies: 2 * MINUTE_MS, dms: 2 * MINUTE_MS },
      linkedin: { comments: 2 * MINUTE_MS, inbox: 2 * MINUTE_MS, mentions: 2 * MINUTE_MS },
      tiktok: { comments: 2 * MINUTE_MS },
    },
    scheduler: { tickMs: 200, leaseMs: 10 * MINUTE_MS },
    worker: { concurrency: 32 },
    backoff: { baseMs: 30_000, capMs: 5 * MINUTE_MS },
    probeIntervalMs: 10 * MINUTE_MS,
    log: { level: 'warn' },
    // The simulator grants LinkedIn's Standard tier (100,000 calls per app and 5,000 per member a
    // day); the product's defaults are the Development tier's 500/100, which 24 clients polled
    // every two simulated minutes exhaust within the run, leaving LinkedIn blocked until the next
    // (simulated) UTC midnight.
    rateLimits: { budgets: { linkedin: linkedInStandardTier() } },
    ...(eventsPath !== undefined ? { sinks: { jsonl: { path: eventsPath } } } : {}),
  };
}

type CounterLike = {
  get(): Promise<{
    values: { labels: Record<string, string | number | undefined>; value: number }[];
  }>;
};

async function sumBy(counter: CounterLike, label: string): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const { labels, value } of (await counter.get()).values) {
    const key = String(labels[label] ?? '');
    totals.set(key, (totals.get(key) ?? 0) + value);
  }
  return totals;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Poll outcomes that are not errors. */
const NON_ERROR_OUTCOMES = new Set(['ok', 'deferred', 'skipped', 'conflict']);

interface Progress {
  elapsedS: number;
  simulatedMin: number;
  published: Map<string, number>;
  emitted: Map<string, number>;
  requests: number;
  deferrals: number;
  responses429: number;
  errors: Map<string, number>;
  resources: number;
}

async function readProgress(h: Harness, startMs: number, simStartMs: number): Promise<Progress> {
  const { metrics } = h.runtime;
  const published = new Map<string, number>();
  const nowMs = h.sim.clock.now();
  for (const t of h.sim.truth()) {
    if (t.publishedAtMs <= nowMs) published.set(t.platform, (published.get(t.platform) ?? 0) + 1);
  }
  const polls = await metrics.polls.get();
  const errors = new Map<string, number>();
  for (const { labels, value } of polls.values) {
    const outcome = String(labels.outcome);
    if (!NON_ERROR_OUTCOMES.has(outcome) && value > 0) {
      errors.set(outcome, (errors.get(outcome) ?? 0) + value);
    }
  }
  return {
    elapsedS: (Date.now() - startMs) / 1000,
    simulatedMin: (nowMs - simStartMs) / MINUTE_MS,
    published,
    emitted: await sumBy(metrics.eventsEmitted, 'platform'),
    requests: total(await sumBy(metrics.apiRequests, 'platform')),
    deferrals: total(await sumBy(metrics.rateLimitDeferrals, 'platform')),
    responses429: total(await sumBy(metrics.rateLimited429, 'platform')),
    errors,
    resources: h.sim.world.resources().length,
  };
}

function errorsText(errors: Map<string, number>): string {
  if (errors.size === 0) return 'none';
  return [...errors]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** The live block (terminal) shown every second. */
export function formatProgressBlock(p: Progress, durationS: number | null): string[] {
  const time =
    durationS === null ? `${p.elapsedS.toFixed(0)} s` : `${p.elapsedS.toFixed(0)}/${durationS} s`;
  const lines = [
    `engagement-poller demo · ${time} wall · ${p.simulatedMin.toFixed(0)} min simulated · ${p.resources} resources`,
  ];
  for (const platform of PLATFORMS) {
    const pub = p.published.get(platform) ?? 0;
    const em = p.emitted.get(platform) ?? 0;
    lines.push(
      `  ${platform.padEnd(9)} emitted ${String(em).padStart(6)} / published ${String(pub).padStart(6)}`,
    );
  }
  lines.push(
    `  API requests ${p.requests} · rate-limit deferrals ${p.deferrals} · 429s ${p.responses429}`,
    `  errors by class: ${errorsText(p.errors)}`,
  );
  return lines;
}

/** The one plain line (not a terminal) per second. */
export function formatProgressLine(p: Progress): string {
  const per = PLATFORMS.map(
    (pl: Platform) => `${pl} ${p.emitted.get(pl) ?? 0}/${p.published.get(pl) ?? 0}`,
  ).join(' ');
  return `[${p.elapsedS.toFixed(0)}s] emitted/published ${per} · requests ${p.requests} · deferrals ${p.deferrals} · errors ${errorsText(p.errors)}`;
}

/** The summary checked against the ground truth. */
export function formatSummary(s: DemoSummary, run: { clients: number; wallS: number }): string[] {
  const mark = (n: number) => (n === 0 ? 'ok (must be 0)' : 'FAILED (must be 0)');
  const row = (label: string, n: number, note: string) =>
    `  ${label.padEnd(14)} ${String(n).padStart(7)}  ${note}`;
  return [
    '',
    `Summary (${run.clients} clients on X, LinkedIn and TikTok; ${run.wallS.toFixed(0)} s wall clock), checked against the simulator's ground truth:`,
    row('published', s.published, 'items the platforms published up to the cut-off'),
    row(
      'emitted',
      s.emitted,
      'distinct events emitted (includes items published during the catch-up)',
    ),
    row('lost', s.lost, mark(s.lost)),
    row('duplicated', s.duplicated, mark(s.duplicated)),
    row('unknown', s.unknown, `${mark(s.unknown)}: emitted but never published`),
    row(
      'over a limit',
      s.overLimit,
      `${mark(s.overLimit)}: requests the platforms counted over a rate limit`,
    ),
    s.isOk
      ? 'OK: every published item was emitted exactly once, and no request went over a rate limit.'
      : 'FAILED: see the counts above.',
  ];
}

/** Run the demo; resolves with the checked summary (the caller sets the exit code). */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { io } = options;
  const short = options.short === true;
  const durationS = options.durationS ?? (short ? 10 : 45);
  const clients = options.clients ?? (short ? 6 : 24);
  const speed = options.speed ?? 60;
  const eventsToStdout = options.eventsPath === '-';
  // With events on stdout, progress goes to stderr so the JSON lines stay machine-readable.
  const show = eventsToStdout ? io.err : io.out;
  const isLive = io.isTTY && !eventsToStdout;

  let privateRedis: PrivateRedis | null = null;
  let redisUrl = options.redisUrl;
  if (redisUrl === undefined) {
    try {
      privateRedis = await startPrivateRedis();
    } catch (err) {
      throw new CliExit(1, (err as Error).message);
    }
    redisUrl = privateRedis.url;
  }
  const prefix = `demo-${randomBytes(4).toString('hex')}`;
  const seed = options.seed ?? `demo-${randomBytes(3).toString('hex')}`;
  const clock = new ScaledClock(speed);
  const simStartMs = clock.now();
  const logger = createLogger({
    level: options.logLevel ?? 'warn',
    destination: options.logDestination ?? pino.destination(2),
  });
  show(
    `Starting the demo: ${clients} clients on X, LinkedIn and TikTok (simulated), time ×${speed}, ` +
      `Redis ${privateRedis === null ? 'from REDIS_URL' : 'private (redis-server from PATH)'}, key prefix ${prefix}\n`,
  );

  let harness: Harness | null = null;
  try {
    harness = await startHarness({
      redisUrl,
      prefix,
      clock,
      simulator: {
        seed,
        clients,
        postsPerClient: short ? 2 : 3,
        // A burst: twice the default activity, with a few server errors and cut-off bodies.
        traffic: {
          xMentionsPerHour: 60,
          xRepliesPerHour: 120,
          linkedinCommentsPerHour: 40,
          tiktokCommentsPerHour: 120,
        },
        faults: { serverErrorRate: 0.02, malformedRate: 0.01 },
      },
      config: demoConfig(options.eventsPath),
      roles: { scheduler: true, worker: true, relay: true },
      runtime: { logger },
    });
    const h = harness;
    await h.registerAll();
    // Besides the random ones, a few faults for certain: every run shows failed polls recovering.
    h.sim.faults.inject({ kind: '5xx', count: 2 });
    h.sim.faults.inject({ kind: 'malformed', count: 1 });
    const startMs = Date.now();
    let drawn = 0;
    const draw = async () => {
      const p = await readProgress(h, startMs, simStartMs);
      if (isLive) {
        const lines = formatProgressBlock(p, options.forever === true ? null : durationS);
        show(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
        drawn = lines.length;
      } else {
        show(`${formatProgressLine(p)}\n`);
      }
    };
    while (options.forever === true || Date.now() - startMs < durationS * 1000) {
      if (options.signal?.aborted === true) break;
      try {
        await sleep(1000, undefined, options.signal ? { signal: options.signal } : {});
      } catch {
        break; // aborted: go on to the catch-up and the summary
      }
      await h.registerAll(); // new posts and videos appear: register them as an agency would
      await draw();
    }
    const wallS = (Date.now() - startMs) / 1000;

    show('Stopping traffic faults and catching up with everything published so far…\n');
    await h.runtime.scheduler.stop();
    h.sim.faults.clear();
    await h.registerAll();
    const cutoffMs = clock.now();
    await h.catchUp({ maxRounds: 600, onRound: () => sleep(50) });
    const relay = h.runtime.relay;
    if (relay !== null) {
      // Deliver whatever the catch-up emitted before the sinks close.
      await relay.stop();
      while ((await relay.runOnce()) > 0);
    }
    const c = await h.compare(cutoffMs);
    await draw();
    const summary: DemoSummary = {
      published: c.published,
      emitted: c.emitted,
      lost: c.lost.length,
      duplicated: c.duplicated.length,
      unknown: c.unknown.length,
      overLimit: c.overLimit,
      isOk:
        c.lost.length === 0 &&
        c.duplicated.length === 0 &&
        c.unknown.length === 0 &&
        c.overLimit === 0,
    };
    show(`${formatSummary(summary, { clients, wallS }).join('\n')}\n`);
    const tokens = [
      ...h.sim.world.credentials().map((cr) => cr.accessToken),
      h.sim.world.xAppToken,
    ];
    harness = null;
    await h.close();
    await options.beforeCleanup?.({ redisUrl, prefix, tokens });
    return summary;
  } finally {
    await harness?.close();
    if (privateRedis !== null) await privateRedis.stop();
    else await deleteRunKeys(redisUrl, prefix);
  }
}
