/**
 * Starts a private, throw-away `redis-server` (from PATH) on a free loopback port, for the tests,
 * the demo and the benchmarks when no `REDIS_URL` is given. Nothing is persisted.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running private Redis. */
export interface PrivateRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'No Redis available: set REDIS_URL to a Redis 6.2+ server, or install redis-server ' +
  '(Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) so a private one can be started.';

async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.end();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`private redis-server did not start listening on port ${port} in time`);
}

/**
 * Start a private redis-server. Rejects with an install hint when redis-server is not on PATH.
 * @param options.binary - the executable to run. @defaultValue 'redis-server'
 */
export async function startPrivateRedis(options: { binary?: string } = {}): Promise<PrivateRedis> {
  const binary = options.binary ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'ep-redis-'));
  const port = await findFreePort();
  const child = spawn(
    binary,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'ENOENT' ? new Error(INSTALL_HINT, { cause: err }) : err);
    });
    child.once('exit', (code) => {
      reject(new Error(`redis-server exited early with code ${String(code)}: ${stderr.trim()}`));
    });
  });
  try {
    await Promise.race([waitForPort(port, Date.now() + 10_000), spawnFailed]);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // Started: a later exit is seen by stop(); this start-up watcher must not raise it unhandled.
  spawnFailed.catch(() => undefined);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The message shown when neither REDIS_URL nor redis-server is available. */
export const REDIS_INSTALL_HINT = INSTALL_HINT;
