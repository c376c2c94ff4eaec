/**
 * The command line as processes (`node bin/engagement-poller.js …`), against the test Redis under a
 * unique prefix: help, configuration errors, the operator commands' round trip, and the demo's
 * short mode with its checked summary. `--help` of every command also runs in-process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { runCli } from '../../src/cli/program.js';
import type { CliIo } from '../../src/cli/io.js';
import { PollingStateStore } from '../../src/store/polling-state-store.js';
import {
  connectTestRedis,
  deleteDeploymentKeys,
  deleteKeysWithPrefix,
  testRedisUrl,
  uniquePrefix,
} from '../helpers/redis.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'engagement-poller.js');
const prefix = uniquePrefix('cli');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        cwd: root,
        timeout: timeoutMs,
        env: { PATH: process.env.PATH ?? '', REDIS_URL: testRedisUrl(), EP_PREFIX: prefix, ...env },
      },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function memoryIo(
  env: Record<string, string> = {},
): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    env,
    out: (t) => void stdout.push(t),
    err: (t) => void stderr.push(t),
    isTTY: false,
    stdout,
    stderr,
  };
}

afterAll(async () => {
  const redis = connectTestRedis();
  await deleteDeploymentKeys(redis, prefix);
  await redis.quit();
});

const COMMANDS = [
  'start',
  'scheduler',
  'worker',
  'relay',
  'api',
  'register',
  'unregister',
  'status',
  'resume',
  'poll-now',
  'dead-letters',
  'simulator',
  'demo',
];

describe('engagement-poller command line', () => {
  it('prints help for the program as a process', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(command);
  });

  it('prints help for every command', async () => {
    for (const command of COMMANDS) {
      const io = memoryIo();
      expect(await runCli([command, '--help'], io)).toBe(0);
      expect(io.stdout.join('')).toContain(`Usage: engagement-poller ${command}`);
    }
  });

  it('exits 2 listing every bad setting in one message', async () => {
    const run = await cli(['status', '--client', 'acme'], {
      EP_API_PORT: 'eighty',
      EP_PREFIX: 'not a prefix!',
      EP_LOG_LEVEL: 'loud',
      EP_OPERATOR_KEY: 'tooShortKey',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Invalid configuration (4 problems)');
    for (const name of ['EP_API_PORT', 'EP_PREFIX', 'EP_LOG_LEVEL', 'EP_OPERATOR_KEY']) {
      expect(run.stderr).toContain(name);
    }
    expect(run.stderr).not.toContain('tooShortKey'); // a secret's value is never quoted
  });

  it.each([
    ['a worker without credentials', ['worker'], {}, /needs credentials/],
    [
      'rate-limit settings of the wrong shape',
      ['scheduler'],
      { EP_RATE_LIMITS: '{"x":1}' },
      /invalid rate limiter options/,
    ],
  ])('exits (non-zero, not hanging) on %s', async (_label, args, env, message) => {
    const run = await cli(args, env, 20_000);
    expect(run.code).not.toBe(0);
    expect(run.code).not.toBe(-1); // -1: killed by the timeout, i.e. it hung
    expect(run.stderr).toMatch(message);
  });

  it('exits 2 naming a bad argument', async () => {
    const io = memoryIo({ REDIS_URL: testRedisUrl(), EP_PREFIX: prefix });
    const code = await runCli(
      [
        'register',
        '--client',
        'acme',
        '--platform',
        'x',
        '--type',
        'mentions',
        '--id',
        'not-a-number',
      ],
      io,
    );
    expect(code).toBe(2);
    expect(io.stderr.join('')).toContain('resourceId');
    const io2 = memoryIo();
    expect(await runCli(['register', '--client', 'acme'], io2)).toBe(2);
    expect(io2.stderr.join('')).toContain('--platform');
  });

  it('refuses to run with another partition count than the deployment was written with', async () => {
    const own = uniquePrefix('parts');
    const env = { REDIS_URL: testRedisUrl(), EP_PREFIX: own };
    try {
      const first = memoryIo({ ...env, EP_PARTITIONS: '16' });
      expect(await runCli(['status', '--client', 'acme'], first)).toBe(0);
      const other = memoryIo({ ...env, EP_PARTITIONS: '8' });
      expect(await runCli(['status', '--client', 'acme'], other)).toBe(2);
      expect(other.stderr.join('')).toMatch(/EP_PARTITIONS.*is 8.*written with 16 partitions/s);
    } finally {
      const redis = connectTestRedis();
      await deleteKeysWithPrefix(redis, `${own}:`);
      await redis.quit();
    }
  });

  it('registers every resource of a file (as the simulator writes it), all or none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ep-cli-'));
    try {
      const good = [
        { clientId: 'filer', platform: 'x', resourceType: 'mentions', resourceId: '2244994945' },
        { clientId: 'filer', platform: 'linkedin', resourceType: 'inbox' },
      ];
      const bad = [...good, { clientId: 'filer', platform: 'tiktok', resourceType: 'comments' }];
      writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
      writeFileSync(join(dir, 'good.json'), JSON.stringify({ resources: good }));
      writeFileSync(join(dir, 'broken.json'), '{');
      const env = { REDIS_URL: testRedisUrl(), EP_PREFIX: prefix };

      const rejected = memoryIo(env);
      expect(await runCli(['register', '--file', join(dir, 'bad.json')], rejected)).toBe(2);
      expect(rejected.stderr.join('')).toMatch(/resources\[2\]\.resourceId/);
      const redis = connectTestRedis();
      const store = new PollingStateStore({ redis, prefix });
      try {
        expect(await store.listByClient('filer')).toEqual([]); // one invalid entry: none registered

        const first = memoryIo(env);
        expect(await runCli(['register', '--file', join(dir, 'good.json')], first)).toBe(0);
        expect(first.stdout.join('')).toContain('registered 2 new, 0 already registered');
        const again = memoryIo(env);
        expect(await runCli(['register', '--file', join(dir, 'good.json')], again)).toBe(0);
        expect(again.stdout.join('')).toContain('registered 0 new, 2 already registered');
        expect(await store.listByClient('filer')).toHaveLength(2);
      } finally {
        await redis.quit();
      }

      const broken = memoryIo(env);
      expect(await runCli(['register', '--file', join(dir, 'broken.json')], broken)).toBe(2);
      expect(broken.stderr.join('')).toContain('is not JSON');
      const both = memoryIo(env);
      const args = ['register', '--file', join(dir, 'good.json'), '--client', 'filer'];
      expect(await runCli(args, both)).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('registers, lists, resumes, polls now and unregisters a resource', async () => {
    const reg = await cli([
      'register',
      '--client',
      'acme',
      '--platform',
      'x',
      '--type',
      'mentions',
      '--id',
      '2244994945',
    ]);
    expect(reg.code).toBe(0);
    expect(reg.stdout).toMatch(/^registered x\/mentions 2244994945 for acme: [0-9a-f]{32}\n$/);
    const stateId = /([0-9a-f]{32})/.exec(reg.stdout)![1]!;

    const again = await cli([
      'register',
      '--client',
      'acme',
      '--platform',
      'x',
      '--type',
      'mentions',
      '--id',
      '2244994945',
    ]);
    expect(again.stdout).toContain('already registered');

    const status = await cli(['status', '--client', 'acme']);
    expect(status.code).toBe(0);
    const lines = status.stdout.trim().split('\n');
    expect(lines[0]).toMatch(
      /^STATE\s+PLATFORM\s+TYPE\s+RESOURCE\s+STATUS\s+CURSOR\s+LAST POLL\s+NEXT POLL\s+ERRORS\s+LAST ERROR$/,
    );
    expect(lines[1]).toMatch(
      new RegExp(
        `^${stateId}\\s+x\\s+mentions\\s+2244994945\\s+active\\s+-\\s+-\\s+\\S+Z\\s+0\\s+-$`,
      ),
    );

    // An active resource has nothing to resume.
    const notResumable = await cli(['resume', '--client', 'acme', '--state', stateId]);
    expect(notResumable.code).toBe(1);
    expect(notResumable.stderr).toContain('nothing to resume');

    // The platform rejected the token: needs_reauth. Resume makes it active and due.
    const redis = new Redis(testRedisUrl());
    const store = new PollingStateStore({ redis, prefix });
    const state = (await store.get(stateId))!;
    await store.save({
      ...state,
      status: 'needs_reauth',
      consecutiveErrors: 1,
      lastErrorCode: 'auth',
      lastError: 'X 401',
      nextPollAt: new Date(Date.now() + 86_400_000),
      version: state.version + 1,
    });
    const blocked = await cli(['poll-now', '--client', 'acme', '--state', stateId]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toContain('resume it first');
    const json = JSON.parse((await cli(['status', '--client', 'acme', '--json'])).stdout) as {
      resources: { status: string; lastErrorCode: string }[];
    };
    expect(json.resources[0]).toMatchObject({ status: 'needs_reauth', lastErrorCode: 'auth' });

    const resumed = await cli(['resume', '--client', 'acme', '--state', stateId]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('resumed x/mentions 2244994945: active');
    expect((await store.get(stateId))!.status).toBe('active');

    const later = (await store.get(stateId))!;
    await store.save({
      ...later,
      nextPollAt: new Date(Date.now() + 86_400_000),
      version: later.version + 1,
    });
    const before = Date.now();
    const now = await cli(['poll-now', '--client', 'acme', '--state', stateId]);
    expect(now.code).toBe(0);
    expect((await store.get(stateId))!.nextPollAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await store.get(stateId))!.nextPollAt.getTime()).toBeGreaterThanOrEqual(before - 1000);

    // Another client cannot reach it.
    const other = await cli(['poll-now', '--client', 'globex', '--state', stateId]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('no resource');

    const un = await cli(['unregister', '--client', 'acme', '--state', stateId]);
    expect(un.code).toBe(0);
    expect(un.stdout).toBe('unregistered\n');
    const unAgain = await cli([
      'unregister',
      '--client',
      'acme',
      '--platform',
      'x',
      '--type',
      'mentions',
      '--id',
      '2244994945',
    ]);
    expect(unAgain.code).toBe(1);
    expect(unAgain.stdout).toBe('not registered\n');
    expect((await cli(['status', '--client', 'acme'])).stdout).toBe(
      'no resources registered for acme\n',
    );
    await redis.quit();
  });

  it('shows a corrupt state (wrong Redis type or bad JSON) in status, refuses poll-now, and unregisters it', async () => {
    const register = async (type: string, id?: string) => {
      const args = ['register', '--client', 'brokenco', '--platform', 'x', '--type', type];
      const run = await cli(id === undefined ? args : [...args, '--id', id]);
      expect(run.code).toBe(0);
      return /([0-9a-f]{32})/.exec(run.stdout)![1]!;
    };
    const good = await register('dms');
    const hashed = await register('mentions', '1');
    const badJson = await register('mentions', '2');
    const redis = new Redis(testRedisUrl());
    const store = new PollingStateStore({ redis, prefix, onCorrupt: () => undefined });
    await redis.del(store.keys.state(hashed));
    await redis.hset(store.keys.state(hashed), 'status', 'active');
    await redis.set(store.keys.state(badJson), JSON.stringify({ platform: 'x', id: badJson }));

    const status = await cli(['status', '--client', 'brokenco']);
    expect(status.code).toBe(0);
    expect(status.stdout.endsWith('\n')).toBe(true);
    const lines = status.stdout.split('\n');
    expect(lines.filter((l) => l.startsWith(good))).toHaveLength(1);
    const hashedRow = lines.find((l) => l.startsWith(hashed));
    expect(hashedRow).toMatch(/\scorrupt\s/);
    expect(hashedRow).toContain(`holds a Redis hash, not a string with the state's JSON`);
    expect(hashedRow).toContain(store.keys.state(hashed));
    expect(lines.find((l) => l.startsWith(badJson))).toMatch(/^\S+\s+x\s+\?\s+-\s+corrupt\s/);
    expect(status.stdout).toContain('2 corrupt states (not polled): remove with');
    // Each warning on standard error is a whole line.
    expect(status.stderr.endsWith('\n')).toBe(true);
    expect(
      status.stderr.split('\n').filter((l) => l.includes('corrupt value skipped')),
    ).toHaveLength(2);

    const json = JSON.parse((await cli(['status', '--client', 'brokenco', '--json'])).stdout) as {
      resources: { id: string }[];
      corrupt: { id: string; status: string; reason: string; key: string; platform: unknown }[];
    };
    expect(json.resources.map((r) => r.id)).toEqual([good]);
    expect(json.corrupt.find((c) => c.id === hashed)).toEqual({
      id: hashed,
      platform: null,
      status: 'corrupt',
      reason: "holds a Redis hash, not a string with the state's JSON",
      key: store.keys.state(hashed),
    });
    expect(json.corrupt.find((c) => c.id === badJson)).toMatchObject({
      platform: 'x',
      status: 'corrupt',
    });

    for (const command of ['poll-now', 'resume']) {
      const run = await cli([command, '--client', 'brokenco', '--state', hashed]);
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain('WRONGTYPE');
      expect(run.stderr).toContain(`corrupt value under key ${store.keys.state(hashed)}`);
      expect(run.stderr).toContain(`unregister --client brokenco --state ${hashed}`);
    }

    // Unregister by state id, and by the resource's identity.
    const byId = await cli(['unregister', '--client', 'brokenco', '--state', hashed]);
    expect(byId).toMatchObject({ code: 0, stdout: 'unregistered\n' });
    await redis.del(store.keys.state(badJson));
    await redis.sadd(store.keys.state(badJson), 'x');
    const byRef = await cli([
      'unregister',
      '--client',
      'brokenco',
      '--platform',
      'x',
      '--type',
      'mentions',
      '--id',
      '2',
    ]);
    expect(byRef).toMatchObject({ code: 0, stdout: 'unregistered\n' });
    for (const id of [hashed, badJson]) {
      expect(await redis.exists(store.keys.state(id))).toBe(0);
      expect(await redis.sismember(store.keys.client('brokenco'), id)).toBe(0);
    }
    expect(await store.listClientStates('brokenco')).toMatchObject({
      states: [{ id: good }],
      corrupt: [],
    });
    await redis.quit();
  });

  it('runs the short demo to a clean summary', { timeout: 60_000 }, async () => {
    const run = await cli(['demo', '--short'], { EP_PREFIX: '' }, 55_000);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.stdout.slice(run.stdout.indexOf('Summary'));
    expect(summary).toMatch(/published\s+[1-9]\d*/);
    expect(summary).toMatch(/emitted\s+[1-9]\d*/);
    expect(summary).toMatch(/lost\s+0 /);
    expect(summary).toMatch(/duplicated\s+0 /);
    expect(summary).toMatch(/over a limit\s+0 /);
    expect(summary).toContain('OK: every published item was emitted exactly once');
    // Not a terminal: one plain progress line per second, no cursor movement.
    expect(run.stdout).toMatch(/\[\d+s\] emitted\/published x \d+\/\d+/);
    expect(run.stdout).not.toContain('\x1b[');
  });
});
