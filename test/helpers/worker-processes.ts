/**
 * Spawning, killing and waiting for poll-worker processes (`worker-process.ts`) in the end-to-end
 * tests, plus the configuration they share with the test's harness.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import type { ConfigInput } from '../../src/config/config-schema.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Compile `src/` and the worker entry to plain JavaScript once (file by file, the layout kept, so
 * the Lua scripts next to them still load), under the git-ignored `.tmp/`. A worker then starts in
 * a fraction of the time `tsx` needs to compile on every start, which matters when a test restarts
 * workers fifty times on a loaded machine. Returns the entry's path and a cleanup.
 */
export async function buildWorkerEntry(): Promise<{ entry: string; remove(): void }> {
  const out = join(ROOT, '.tmp', `e2e-worker-${process.pid}-${randomBytes(3).toString('hex')}`);
  mkdirSync(out, { recursive: true });
  const files = [
    ...listFiles(join(ROOT, 'src')).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts')),
    join(ROOT, 'test', 'helpers', 'worker-process.ts'),
  ];
  await build({
    entryPoints: files,
    outdir: out,
    outbase: ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'error',
  });
  for (const dir of ['src/store/lua', 'src/rate-limit/lua']) {
    cpSync(join(ROOT, dir), join(out, dir), { recursive: true });
  }
  return {
    entry: join(out, 'test', 'helpers', 'worker-process.js'),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .filter((f) => !relative(ROOT, f).includes('node_modules'));
}

/** A running (or exited) worker process. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves once the worker takes jobs; rejects if it exits first. */
  ready: Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  isReady(): boolean;
  isExited(): boolean;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

/**
 * Start the worker entry (from {@link buildWorkerEntry}) on a config file against the simulator at
 * `baseUrl`.
 */
export function spawnWorker(entry: string, configFile: string, baseUrl: string): WorkerProcess {
  const child = spawn(process.execPath, [entry, configFile, baseUrl], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  let ready = false;
  let exited = false;
  let onReady: () => void = () => {};
  let onEarlyExit: (err: Error) => void = () => {};
  const readyP = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onEarlyExit = reject;
  });
  readyP.catch(() => {}); // a worker killed before it was ready is normal in the crash test
  child.stdout?.on('data', (b: Buffer) => {
    out += b.toString('utf8');
    if (!ready && /^ready$/m.test(out)) {
      ready = true;
      onReady();
    }
  });
  child.stderr?.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  const exitedP = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exited = true;
      onEarlyExit(new Error(`worker ${child.pid} exited (${code}) before ready:\n${out}`));
      resolve(code);
    });
  });
  return {
    child,
    ready: readyP,
    exited: exitedP,
    isReady: () => ready && !exited,
    isExited: () => exited,
    output: () => out,
  };
}

/** SIGKILL a worker and wait until it is gone. */
export async function killWorker(w: WorkerProcess): Promise<void> {
  if (w.isExited()) return;
  w.child.kill('SIGKILL');
  await w.exited;
}

/** SIGTERM a worker (graceful close); SIGKILL it if it has not exited within `timeoutMs`. */
export async function stopWorker(w: WorkerProcess, timeoutMs = 20_000): Promise<void> {
  if (w.isExited()) return;
  w.child.kill('SIGTERM');
  const timer = setTimeout(() => w.child.kill('SIGKILL'), timeoutMs);
  await w.exited;
  clearTimeout(timer);
}

/** Wait until `cond()` holds, checking every `everyMs`; throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Write the worker processes' config file (the harness's Redis, prefix and credentials). */
export function writeWorkerConfig(
  dir: string,
  options: { redisUrl: string; prefix: string; credentialsPath: string; config: ConfigInput },
): string {
  const file = join(dir, 'worker-config.json');
  writeFileSync(
    file,
    JSON.stringify({
      ...options.config,
      redis: { ...options.config.redis, url: options.redisUrl, prefix: options.prefix },
      credentials: { file: options.credentialsPath },
    }),
  );
  return file;
}

const BIG = 1_000_000;

/**
 * Limits so high that neither the simulator nor the limiter ever refuses: for tests about crashes,
 * not budgets (otherwise a 15-minute or daily budget would stall the catch-up).
 */
export const NO_LIMITS = {
  simulator: {
    x: {
      mentions: { app: BIG, user: BIG },
      search: { app: BIG, user: BIG },
      dmEvents: { app: BIG, user: BIG },
      lookup: { app: BIG, user: BIG },
    },
    linkedin: { app: BIG, user: BIG },
    tiktok: { app: BIG, user: BIG },
  },
  limiter: {
    budgets: {
      x: Object.fromEntries(
        ['mentions', 'search', 'dm_events'].map((e) => [
          e,
          {
            app: { limit: BIG, windowMs: 900_000, alignment: 'first-request' },
            account: { limit: BIG, windowMs: 900_000, alignment: 'first-request' },
          },
        ]),
      ),
      linkedin: Object.fromEntries(
        ['comments', 'conversations', 'notifications'].map((e) => [
          e,
          {
            app: { limit: BIG, windowMs: 86_400_000, alignment: 'utc-aligned' },
            account: { limit: BIG, windowMs: 86_400_000, alignment: 'utc-aligned' },
          },
        ]),
      ),
      tiktok: {
        comment_list: {
          appBucket: 'business',
          app: { limit: BIG, windowMs: 60_000, alignment: 'first-request' },
          account: { limit: BIG, windowMs: 60_000, alignment: 'first-request' },
        },
      },
    },
  },
} as const;
