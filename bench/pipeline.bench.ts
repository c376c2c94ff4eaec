/**
 * `npm run bench -- pipeline`: the whole polling pipeline (scheduler claim + `addBulk`, one BullMQ
 * worker process, rate-limit grant, platform request to the simulator over HTTP, commit Lua) with
 * N registered resources, all due, at N = 1,000 and N = 10,000.
 *
 * Reported per N: poll cycles per second, events per second, Redis round trips per poll cycle
 * counted at the client (every ioredis connection in the process, BullMQ's included: a single
 * command, an EVALSHA or a whole pipeline/MULTI counts as one), Redis server time per poll cycle
 * (`INFO commandstats` usec before and after), and the simulator's raw request rate measured in the
 * same run: the same first-page requests issued by the same platform adapters at the same
 * concurrency, without Redis or BullMQ.
 *
 * The simulator runs in a child process of its own (`bench/simulator-process.ts`): the worker
 * process under measurement does not host the platforms it polls, so its CPU per poll is the
 * worker's alone. The child's clock is a ManualClock moved by `POST /_sim/advance` in step with the
 * benchmark's; resources, credentials and request counts come over its `/_sim/` routes.
 *
 * Options: `--concurrency C` (worker concurrency, default 50), `--seconds S` (minimum timed
 * seconds per N; rounds repeat until reached, default 8), `--warmup S` (untimed warm-up rounds
 * per N until S seconds have passed, at least one round, default 3), `--sizes 1000,10000`, `--profile` (server
 * time per Lua script and command, from the slow log; profiling slows Redis a little).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ManualClock } from '../src/domain/clock.js';
import type { PlatformAdapter } from '../src/platforms/connector.js';
import { createPlatformAdapters } from '../src/platforms/index.js';
import { FileCredentialProvider } from '../src/runtime/credentials/file-credential-provider.js';
import { startProduct, type Product } from '../src/demo/harness.js';
import type { SimCredential, SimResource, SimulatorOptions } from '../src/simulator/index.js';
import { bullPrefix, POLL_QUEUE } from '../src/worker/jobs.js';
import { benchRedis } from './common.js';

const START_MS = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR_MS = 3_600_000;
/** Resources per simulated client with `POSTS` posts per platform: 3 × POSTS + 4. */
const POSTS = 10;
const UNLIMITED_SIM = { app: 1e12, user: 1e12 };
const HUGE = 1e12;

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function numberOption(argv: string[], name: string, fallback: number): number {
  const v = Number(option(argv, name));
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/**
 * Client-side round-trip counting: every ioredis `sendCommand` is one round trip, except that the
 * commands of one pipeline (or MULTI) share one. Connections in `excluded` (the benchmark's own
 * bookkeeping) are not counted. ioredis is one module instance, BullMQ's connections included.
 */
const excluded = new WeakSet<object>();
let roundTrips = 0;
/** Round trips by command name (a pipeline counts under `pipeline`). */
const tripsByName = new Map<string, number>();
const tally = (name: string): void => {
  roundTrips++;
  tripsByName.set(name, (tripsByName.get(name) ?? 0) + 1);
};
function instrumentRedis(): void {
  const proto = Redis.prototype as unknown as {
    sendCommand: (
      this: object,
      command: { name?: string; args?: unknown[] },
      stream?: { isPipeline?: boolean },
    ) => unknown;
  };
  const original = proto.sendCommand;
  const seenPipelines = new WeakSet<object>();
  proto.sendCommand = function (this: object, command, stream) {
    if (!excluded.has(this)) {
      if (stream?.isPipeline === true) {
        if (!seenPipelines.has(stream)) {
          seenPipelines.add(stream);
          tally('pipeline');
        }
      } else {
        const name = command.name ?? '?';
        const sha = command.args?.[0];
        tally(name === 'evalsha' && typeof sha === 'string' ? `evalsha ${sha.slice(0, 12)}` : name);
      }
    }
    return original.call(this, command, stream);
  };
}

/** `usec` per command from `INFO commandstats`. */
async function commandUsec(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=([0-9]+),usec=([0-9]+)/gm)) {
    out.set(m[1]!, Number(m[3]));
  }
  return out;
}

function sumOf(usec: Map<string, number>): number {
  let total = 0;
  for (const v of usec.values()) total += v;
  return total;
}

/** The commands that took the most server time between two snapshots, per poll. */
function topCommands(
  before: Map<string, number>,
  after: Map<string, number>,
  polls: number,
): string {
  return [...after]
    .map(([name, us]) => [name, (us - (before.get(name) ?? 0)) / polls] as const)
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([name, us]) => `${name} ${us.toFixed(0)}µs`)
    .join(', ');
}

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** Script name by SHA: ours (`src/store/lua`, `src/rate-limit/lua`) and BullMQ's (its bundled script contents). */
async function scriptNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const dir of ['store', 'rate-limit']) {
    const path = join(import.meta.dirname, '..', 'src', dir, 'lua');
    for (const f of readdirSync(path)) {
      names.set(sha1(readFileSync(join(path, f), 'utf8')), `${dir}/${f}`);
    }
  }
  const bullDir = join(
    dirname(createRequire(import.meta.url).resolve('bullmq')),
    '..',
    'esm',
    'scripts',
  );
  for (const f of readdirSync(bullDir).filter((f) => f.endsWith('.js') && f !== 'index.js')) {
    const mod = (await import(join(bullDir, f))) as Record<
      string,
      { name?: string; content?: string }
    >;
    for (const v of Object.values(mod)) {
      if (v?.content !== undefined) names.set(sha1(v.content), `bullmq/${v.name ?? f}`);
    }
  }
  return names;
}

/**
 * Server time per poll by command, with EVALSHA split by script, from the slow log (every command
 * logged while profiling). The slow log holds at most `slowlog-max-len` entries.
 */
async function profileFromSlowlog(
  redis: Redis,
  names: Map<string, string>,
  polls: number,
): Promise<string> {
  const entries = (await redis.call('SLOWLOG', 'GET', '-1')) as [
    number,
    number,
    number,
    string[],
  ][];
  const byName = new Map<string, { us: number; calls: number }>();
  for (const [, , us, args] of entries) {
    const cmd = (args[0] ?? '').toLowerCase();
    if (cmd === 'slowlog' || cmd === 'info' || cmd === 'config') continue;
    const name = cmd === 'evalsha' ? (names.get(args[1] ?? '') ?? `evalsha ${args[1]}`) : cmd;
    const agg = byName.get(name) ?? { us: 0, calls: 0 };
    agg.us += us;
    agg.calls += 1;
    byName.set(name, agg);
  }
  return [...byName]
    .sort((a, b) => b[1].us - a[1].us)
    .slice(0, 12)
    .map(
      ([n, a]) =>
        `    ${n.padEnd(40)} ${(a.us / polls).toFixed(1).padStart(7)} µs/poll  ${(a.calls / polls).toFixed(2)} calls/poll  ${(a.us / a.calls).toFixed(1)} µs/call`,
    )
    .join('\n');
}

/** The simulator in a child process, driven over HTTP. */
interface SimProcess {
  url: string;
  child: ChildProcess;
  get<T>(path: string): Promise<T>;
  /** Move the child's ManualClock to `toMs` (and bring its world up to it). */
  advanceTo(toMs: number): Promise<void>;
  /** Requests the simulator answered so far (platform requests only). */
  requests(): Promise<number>;
  /** The child's CPU time (user + system, µs) from /proc, or null where there is none. */
  cpuUs(): number | null;
  close(): Promise<void>;
}

async function startSimProcess(
  startMs: number,
  options: Omit<SimulatorOptions, 'clock' | 'port'>,
): Promise<SimProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'simulator-process.ts'),
      JSON.stringify({ ...options, startMs }),
    ],
    { cwd: join(import.meta.dirname, '..'), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code})`)));
  });
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const ticks = 1e6 / 100; // µs per clock tick (USER_HZ is 100 on Linux)
  return {
    url,
    child,
    get: (path) => call('GET', path),
    async advanceTo(toMs) {
      await call('POST', '/_sim/advance', { toMs });
    },
    async requests() {
      // `sinceMs` past every entry: the totals without the log itself.
      const r = await call<{ stats: { total: number } }>('GET', '/_sim/requests?sinceMs=1e15');
      return r.stats.total;
    },
    cpuUs() {
      try {
        const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return (Number(fields[11]) + Number(fields[12])) * ticks;
      } catch {
        return null;
      }
    },
    async close() {
      child.stdin?.end();
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The resources of the world, round-robin over platforms and types so any prefix is a mix. */
function pickResources(all: SimResource[], n: number): SimResource[] {
  if (all.length < n) throw new Error(`world has ${all.length} resources, need ${n}`);
  return all.slice(0, n);
}

interface SizeResult {
  n: number;
  polls: number;
  events: number;
  seconds: number;
  pollsPerS: number;
  eventsPerS: number;
  roundTripsPerPoll: number;
  redisUsPerPoll: number;
  requestsPerPoll: number;
  rawRps: number;
  /** Worker process CPU (user + system) per poll cycle (the simulator runs in another process). */
  cpuUsPerPoll: number;
  /** The simulator process's CPU per poll cycle (null without /proc). */
  simCpuUsPerPoll: number | null;
  /** Benchmark process CPU per raw request (the adapters alone: no Redis, no BullMQ, no simulator). */
  rawCpuUsPerRequest: number;
  outcomes: Record<string, number>;
  /** Jobs the scheduler counted as enqueued that never ran (see waitForIdle), and in how many rounds. */
  droppedJobs: { jobs: number; rounds: number };
  /** The commands with the most server time per poll (last round). */
  top: string;
  /** With `--profile`: server time per script and command (last round). */
  profile: string;
}

async function measureSize(
  redisUrl: string,
  n: number,
  concurrency: number,
  minSeconds: number,
  warmupSeconds: number,
  profile: boolean,
): Promise<SizeResult> {
  const clock = new ManualClock(START_MS);
  const clients = Math.ceil(n / (3 * POSTS + 4));
  const budget = (windowMs: number) => ({ limit: HUGE, windowMs, alignment: 'first-request' });
  const endpoint = { app: budget(60_000), account: budget(60_000) };
  const outcomes: Record<string, number> = {};
  let finished = 0;
  let emitted = 0;
  const sim = await startSimProcess(START_MS, {
    seed: 'pipeline-bench',
    clients,
    postsPerClient: POSTS,
    requestLogLimit: 1000,
    rateLimits: {
      x: {
        mentions: UNLIMITED_SIM,
        search: UNLIMITED_SIM,
        dmEvents: UNLIMITED_SIM,
        lookup: UNLIMITED_SIM,
      },
      linkedin: UNLIMITED_SIM,
      tiktok: UNLIMITED_SIM,
      tiktokResearchPerDay: HUGE,
    },
  });
  let product: Product;
  try {
    const { credentials } = await sim.get<{ credentials: SimCredential[] }>('/_sim/credentials');
    product = await startProduct({
      redisUrl,
      prefix: `benchpipe${n}x${process.pid}`,
      clock,
      platformBaseUrl: sim.url,
      credentials,
      config: {
        log: { level: 'warn' },
        batchLimits: { x: 1000, linkedin: 1000, tiktok: 1000 },
        worker: { concurrency },
        platforms: { linkedin: { version: '202602' } },
        rateLimits: {
          budgets: {
            x: { mentions: endpoint, search: endpoint, dm_events: endpoint },
            linkedin: { comments: endpoint, conversations: endpoint, notifications: endpoint },
            tiktok: {
              comment_list: endpoint,
              research_comment_list: { ...endpoint, account: null },
            },
          },
        },
      },
      runtime: {
        onPollOutcome: (outcome) => {
          finished++;
          outcomes[outcome.kind] = (outcomes[outcome.kind] ?? 0) + 1;
          if (outcome.kind === 'polled') emitted += outcome.emitted;
        },
      },
    });
  } catch (err) {
    await sim.close();
    throw err;
  }
  // The benchmark's own connections (INFO, queue counts) are not the pipeline's round trips.
  const own = new Redis(redisUrl, { maxRetriesPerRequest: null });
  excluded.add(own);
  const countsQueue = new Queue(POLL_QUEUE, {
    connection: own,
    prefix: bullPrefix(product.runtime.config.redis.prefix),
  });
  try {
    clock.advance(HOUR_MS);
    await sim.advanceTo(clock.now());
    const resources = pickResources(
      (await sim.get<{ resources: SimResource[] }>('/_sim/resources')).resources,
      n,
    );
    for (let i = 0; i < resources.length; i += 500) {
      await Promise.all(
        resources
          .slice(i, i + 500)
          .map((ref) => product.runtime.scheduler.registerPollableResource(ref)),
      );
    }

    // Idle: the poll queue holds no job. `finished >= target` is the fast path; the queue is also
    // checked after 100 ms without a finished poll, in case fewer polls finish than the scheduler
    // counted. That happened while a walk's intermediate commits scored its state due at once: a
    // scheduler re-claimed the state mid-walk, and two such claims at one ManualClock time and state
    // version got the same job id, which BullMQ ignores as a duplicate. Commits that keep the lock
    // now score the state at the lock's expiry; a short round is still reported if one occurs.
    let shortRounds = 0;
    let shortJobs = 0;
    const waitForIdle = async (target: number): Promise<void> => {
      let lastProgress = performance.now();
      let lastFinished = finished;
      for (;;) {
        if (finished !== lastFinished) [lastFinished, lastProgress] = [finished, performance.now()];
        const quietMs = performance.now() - lastProgress;
        if (finished >= target || quietMs > 100) {
          const c = await countsQueue.getJobCounts(
            'waiting',
            'active',
            'delayed',
            'prioritized',
            'failed',
          );
          if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) === 0) {
            if (finished < target) {
              shortRounds++;
              shortJobs += target - finished;
            }
            return;
          }
          if (quietMs > 30_000) {
            throw new Error(
              `no progress for 30 s: ${finished} of ${target} polls finished, counts ${JSON.stringify(c)}, outcomes ${JSON.stringify(outcomes)}`,
            );
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };

    // Rounds: every resource is due, the scheduler enqueues them all, one worker polls them. Rounds
    // warm up (first polls, JIT) until at least warmupSeconds have passed, so the first size measured
    // is not slowed by a cold process; then rounds repeat until minSeconds is reached.
    let warmed = 0;
    let polls = 0;
    let events = 0;
    let seconds = 0;
    let trips = 0;
    let usec = 0;
    let requests = 0;
    let cpuUs = 0;
    let simCpuUs: number | null = 0;
    let top = '';
    let profileText = '';
    const names = profile ? await scriptNames() : new Map<string, string>();
    for (let round = 0; warmed < warmupSeconds || seconds < minSeconds; round++) {
      if (round > 0) {
        clock.advance(HOUR_MS); // past every interval (max 10 min × 4 × 1.1): all due again
        await sim.advanceTo(clock.now());
      }
      const finishedBefore = finished;
      const emittedBefore = emitted;
      const tripsBefore = roundTrips;
      const byNameBefore = new Map(tripsByName);
      if (profile) {
        await own.config('SET', 'slowlog-log-slower-than', '0');
        await own.config('SET', 'slowlog-max-len', '1000000');
        await own.call('SLOWLOG', 'RESET');
      }
      const usecBefore = await commandUsec(own);
      const requestsBefore = await sim.requests();
      const simCpu0 = sim.cpuUs();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const enqueued = await product.scheduleAll();
      await waitForIdle(finishedBefore + enqueued);
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const simCpu1 = sim.cpuUs();
      const usecAfter = await commandUsec(own);
      if (warmed < warmupSeconds) {
        warmed += elapsed;
        continue;
      }
      top = topCommands(usecBefore, usecAfter, finished - finishedBefore);
      if (profile) {
        await own.config('SET', 'slowlog-log-slower-than', '10000');
        profileText = await profileFromSlowlog(own, names, finished - finishedBefore);
        const polled = finished - finishedBefore;
        const nameOf = (key: string): string => {
          if (!key.startsWith('evalsha ')) return key;
          const prefix = key.slice(8);
          for (const [sha, name] of names) if (sha.startsWith(prefix)) return name;
          return key;
        };
        profileText +=
          '\n  round trips per poll by command:\n' +
          [...tripsByName]
            .map(([k, v]) => [nameOf(k), (v - (byNameBefore.get(k) ?? 0)) / polled] as const)
            .filter(([, v]) => v > 0.005)
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `    ${k.padEnd(40)} ${v.toFixed(2)}`)
            .join('\n');
      }
      polls += finished - finishedBefore;
      events += emitted - emittedBefore;
      trips += roundTrips - tripsBefore;
      usec += sumOf(usecAfter) - sumOf(usecBefore);
      requests += (await sim.requests()) - requestsBefore;
      seconds += elapsed;
      cpuUs += cpu.user + cpu.system;
      simCpuUs =
        simCpuUs === null || simCpu0 === null || simCpu1 === null
          ? null
          : simCpuUs + simCpu1 - simCpu0;
    }

    // Raw: the same first-page requests through the same adapters, same concurrency, no Redis.
    const adapters = createPlatformAdapters({
      credentials: new FileCredentialProvider({ path: product.credentialsPath }),
      clock,
      baseUrl: sim.url,
      linkedin: { linkedInVersion: '202602' },
    }) as Readonly<Record<string, PlatformAdapter>>;
    let next = 0;
    let done = 0;
    const rawDeadline = performance.now() + Math.min(5, Math.max(2, seconds / 2)) * 1000;
    const rawCpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < rawDeadline) {
          const ref = resources[next++ % resources.length]!;
          await adapters[ref.platform]!.fetchPage({
            clientId: ref.clientId,
            resourceType: ref.resourceType,
            ...(ref.resourceId === undefined ? {} : { resourceId: ref.resourceId }),
            cursor: null,
            pageToken: null,
          });
          done++;
        }
      }),
    );
    const rawRps = done / ((performance.now() - t0) / 1000);
    const rawCpu = process.cpuUsage(rawCpu0);

    return {
      n,
      polls,
      events,
      seconds,
      pollsPerS: polls / seconds,
      eventsPerS: events / seconds,
      roundTripsPerPoll: trips / polls,
      redisUsPerPoll: usec / polls,
      requestsPerPoll: requests / polls,
      rawRps,
      cpuUsPerPoll: cpuUs / polls,
      simCpuUsPerPoll: simCpuUs === null ? null : simCpuUs / polls,
      rawCpuUsPerRequest: (rawCpu.user + rawCpu.system) / done,
      outcomes,
      droppedJobs: { jobs: shortJobs, rounds: shortRounds },
      top,
      profile: profileText,
    };
  } finally {
    await countsQueue.close();
    own.disconnect();
    await product.close();
    await sim.close();
  }
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** Run the benchmark; returns `{bench:'pipeline', polls_per_s_1k, polls_per_s_10k, …}`. */
export async function run(argv: string[]): Promise<Record<string, unknown>> {
  const concurrency = numberOption(argv, 'concurrency', 50);
  const minSeconds = numberOption(argv, 'seconds', 8);
  const warmupSeconds = numberOption(argv, 'warmup', 3);
  const sizes = (option(argv, 'sizes') ?? '1000,10000').split(',').map(Number);
  const profile = argv.includes('--profile');
  instrumentRedis();
  const redis = await benchRedis();
  const results: SizeResult[] = [];
  try {
    for (const n of sizes) {
      const r = await measureSize(redis.url, n, concurrency, minSeconds, warmupSeconds, profile);
      results.push(r);
      console.log(
        `N=${n}: ${r.polls} polls in ${r.seconds.toFixed(1)}s = ${r.pollsPerS.toFixed(0)} polls/s, ` +
          `${r.eventsPerS.toFixed(0)} events/s, ${r.roundTripsPerPoll.toFixed(2)} round trips/poll, ` +
          `${r.redisUsPerPoll.toFixed(0)} µs Redis/poll, ${r.requestsPerPoll.toFixed(2)} requests/poll, ` +
          `raw ${r.rawRps.toFixed(0)} req/s; CPU ${r.cpuUsPerPoll.toFixed(0)} µs/poll vs raw ` +
          `${r.rawCpuUsPerRequest.toFixed(0)} µs/request (simulator process ${r.simCpuUsPerPoll?.toFixed(0) ?? '?'} µs/poll); outcomes ${JSON.stringify(r.outcomes)}` +
          (r.droppedJobs.jobs > 0
            ? `; ${r.droppedJobs.jobs} enqueued job(s) never ran in ${r.droppedJobs.rounds} round(s)`
            : '') +
          `\n` +
          `  Redis time per poll by command: ${r.top}`,
      );
      if (profile) console.log(`  profile (slow log, last round):\n${r.profile}`);
    }
  } finally {
    await redis.release();
  }
  const at = (n: number): SizeResult | undefined => results.find((r) => r.n === n);
  const first = results[0]!;
  const last = results[results.length - 1]!;
  const total = results.reduce(
    (acc, r) => ({
      polls: acc.polls + r.polls,
      events: acc.events + r.events,
      seconds: acc.seconds + r.seconds,
    }),
    { polls: 0, events: 0, seconds: 0 },
  );
  // The ratio compares like with like: the 1k pipeline rate with the raw rate over the same resources.
  const base = at(1000) ?? first;
  return {
    bench: 'pipeline',
    polls_per_s_1k: at(1000) ? Math.round(at(1000)!.pollsPerS) : null,
    polls_per_s_10k: at(10000) ? Math.round(at(10000)!.pollsPerS) : null,
    events_per_s: Math.round(total.events / total.seconds),
    round_trips_per_poll: round1(Math.max(...results.map((r) => r.roundTripsPerPoll))),
    redis_us_per_poll: Math.round(Math.max(...results.map((r) => r.redisUsPerPoll))),
    raw_rps: Math.round(base.rawRps),
    ratio: Math.round((base.pollsPerS / base.rawRps) * 100) / 100,
    concurrency,
    scale_10k_vs_1k: round1(last.pollsPerS / first.pollsPerS),
    requests_per_poll: round1(first.requestsPerPoll),
    cpu_us_per_poll: Math.round(base.cpuUsPerPoll),
    raw_cpu_us_per_request: Math.round(base.rawCpuUsPerRequest),
    sim_cpu_us_per_poll: base.simCpuUsPerPoll === null ? null : Math.round(base.simCpuUsPerPoll),
    simulator: 'child process',
    load_average_1m: round1(loadavg()[0] ?? 0),
  };
}
