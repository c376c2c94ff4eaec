import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_BINDINGS, loadConfig, redactConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ep-config-'));
let fileCount = 0;
function writeJson(value: unknown): string {
  const path = join(dir, `config-${fileCount++}.json`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
}

const OPERATOR_KEY = 'op-key-0123456789abcdef';
const CLIENT_KEY = 'client-key-0123456789abcdef';
const WEBHOOK_SECRET = 'whsec-0123456789abcdef';

function loadError(options: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(options);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults with an empty environment', () => {
    const config = loadConfig({ env: {} });
    expect(config.redis).toEqual({ prefix: 'ep', partitions: 16 });
    expect(config.intervals).toEqual({
      tiktok: { comments: 300_000 },
      linkedin: { comments: 600_000, inbox: 300_000, mentions: 300_000 },
      x: { mentions: 60_000, replies: 300_000, dms: 300_000 },
    });
    expect(config.batchLimits).toEqual({ tiktok: 100, linkedin: 50, x: 50 });
    expect(config.maxErrors).toBe(5);
    expect(config.probeIntervalMs).toBe(3_600_000);
    expect(config.backoff).toEqual({ baseMs: 30_000, capMs: 1_800_000 });
    expect(config.adaptive).toEqual({ stretchFactor: 1.5, maxMultiplier: 4 });
    expect(config.scheduler).toEqual({ tickMs: 1000, jitterRatio: 0.1, leaseMs: 120_000 });
    expect(config.worker).toEqual({
      concurrency: 10,
      pageCapPerJob: 5,
      lockDurationMs: 60_000,
      stalledIntervalMs: 30_000,
    });
    expect(config.ledger).toEqual({ maxAgeMs: 30 * 86_400_000, maxCount: 10_000 });
    expect(config.platforms.x.fieldsParamName).toBe('tweet.fields');
    expect(config.platforms.linkedin.version).toBe('202511');
    expect(config.sinks.queue).toEqual({ enabled: false, name: 'engagement-events' });
    expect(config.sinks.webhook).toEqual({ maxAttempts: 8 });
    expect(config.api).toEqual({
      host: '127.0.0.1',
      port: 8080,
      clientKeys: {},
      stallThresholdMs: 300_000,
    });
    expect(config.log).toEqual({ level: 'info', pretty: 'auto' });
    expect(config.rateLimits).toBeUndefined();
  });

  it('reads settings from environment variables', () => {
    const config = loadConfig({
      env: {
        EP_REDIS_URL: 'redis://localhost:6390/2',
        EP_PREFIX: 'prod',
        EP_PARTITIONS: '64',
        EP_API_PORT: '9090',
        EP_API_HOST: '0.0.0.0',
        EP_OPERATOR_KEY: OPERATOR_KEY,
        EP_CLIENT_KEYS: JSON.stringify({ acme: CLIENT_KEY }),
        EP_WORKER_CONCURRENCY: '32',
        EP_WORKER_LOCK_DURATION_MS: '2000',
        EP_WORKER_STALLED_INTERVAL_MS: '500',
        EP_X_BASE_URL: 'http://127.0.0.1:4010',
        EP_INTERVAL_X_MENTIONS_MS: '30000',
        EP_BATCH_LIMIT_TIKTOK: '7',
        EP_QUEUE_ENABLED: 'true',
        EP_LOG_PRETTY: 'false',
        EP_LOG_LEVEL: 'debug',
        EP_RATE_LIMITS: '{"safetyMargin":0.2}',
        EP_CREDENTIALS_FILE: '/etc/ep/credentials.json',
        EP_JSONL_PATH: '-',
      },
    });
    expect(config.redis).toEqual({
      url: 'redis://localhost:6390/2',
      prefix: 'prod',
      partitions: 64,
    });
    expect(config.api.port).toBe(9090);
    expect(config.api.host).toBe('0.0.0.0');
    expect(config.api.operatorKey).toBe(OPERATOR_KEY);
    expect(config.api.clientKeys).toEqual({ acme: CLIENT_KEY });
    expect(config.worker.concurrency).toBe(32);
    expect(config.worker.lockDurationMs).toBe(2000);
    expect(config.worker.stalledIntervalMs).toBe(500);
    expect(config.platforms.x.baseUrl).toBe('http://127.0.0.1:4010');
    expect(config.intervals.x.mentions).toBe(30_000);
    expect(config.batchLimits.tiktok).toBe(7);
    expect(config.sinks.queue.enabled).toBe(true);
    expect(config.sinks.jsonl.path).toBe('-');
    expect(config.log).toEqual({ level: 'debug', pretty: false });
    expect(config.rateLimits).toEqual({ safetyMargin: 0.2 });
    expect(config.credentials.file).toBe('/etc/ep/credentials.json');
  });

  it('falls back to REDIS_URL, and prefers EP_REDIS_URL', () => {
    expect(loadConfig({ env: { REDIS_URL: 'redis://a:1' } }).redis.url).toBe('redis://a:1');
    expect(
      loadConfig({ env: { REDIS_URL: 'redis://a:1', EP_REDIS_URL: 'redis://b:2' } }).redis.url,
    ).toBe('redis://b:2');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ env: { EP_API_PORT: '', EP_PREFIX: '  ' } }).api.port).toBe(8080);
  });

  it('reads a JSON file and lets the environment override it', () => {
    const file = writeJson({
      redis: { prefix: 'fromfile', partitions: 8 },
      intervals: { linkedin: { inbox: 120_000 } },
      api: { port: 7000, clientKeys: { acme: CLIENT_KEY } },
      rateLimits: {
        budgets: {
          x: {
            mentions: {
              app: null,
              account: { limit: 10, windowMs: 900_000, alignment: 'first-request' },
            },
          },
        },
      },
    });
    const config = loadConfig({ env: { EP_CONFIG_FILE: file, EP_PARTITIONS: '4' } });
    expect(config.redis).toEqual({ prefix: 'fromfile', partitions: 4 });
    expect(config.intervals.linkedin).toEqual({
      comments: 600_000,
      inbox: 120_000,
      mentions: 300_000,
    });
    expect(config.api.port).toBe(7000);
    expect(config.api.clientKeys).toEqual({ acme: CLIENT_KEY });
    expect(config.rateLimits).toEqual({
      budgets: {
        x: {
          mentions: {
            app: null,
            account: { limit: 10, windowMs: 900_000, alignment: 'first-request' },
          },
        },
      },
    });
    expect(loadConfig({ env: {}, file }).redis.partitions).toBe(8);
  });

  it('reads client keys from EP_CLIENT_KEYS_FILE', () => {
    const keys = writeJson({ acme: CLIENT_KEY, globex: `${CLIENT_KEY}2` });
    const config = loadConfig({ env: { EP_CLIENT_KEYS_FILE: keys } });
    expect(Object.keys(config.api.clientKeys)).toEqual(['acme', 'globex']);
  });

  it('lists every bad setting in one error, with its path, source and reason', () => {
    const file = writeJson({ redis: { partitions: 0 }, worker: { concurency: 3 } });
    const err = loadError({
      env: {
        EP_CONFIG_FILE: file,
        EP_API_PORT: 'eighty',
        EP_LOG_LEVEL: 'loud',
        EP_X_BASE_URL: 'ftp://nope',
        EP_OPERATOR_KEY: 'short',
        EP_QUEUE_ENABLED: 'maybe',
        EP_BACKOFF_BASE_MS: '60000',
        EP_BACKOFF_CAP_MS: '1000',
        EP_CLIENT_KEYS: '{"bad client": "0123456789abcdef0"}',
      },
    });
    const paths = err.issues.map((i) => i.path).sort();
    expect(paths).toEqual(
      [
        'api.clientKeys.bad client',
        'api.operatorKey',
        'api.port',
        'backoff.capMs',
        'log.level',
        'platforms.x.baseUrl',
        'redis.partitions',
        'sinks.queue.enabled',
        'worker',
      ].sort(),
    );
    expect(err.code).toBe('invalid_config');
    expect(err.message).toMatch(/^Invalid configuration \(9 problems\)/);
    expect(err.message).toContain('api.port (EP_API_PORT): must be a whole number');
    expect(err.message).toContain(`redis.partitions (${file}):`);
    expect(err.message).toMatch(/worker .*Unrecognized key.*concurency/);
    expect(err.message).toContain('api.operatorKey (EP_OPERATOR_KEY): must be at least 16');
    expect(err.message).not.toContain('short');
  });

  it('reports an unreadable or malformed file', () => {
    expect(loadError({ env: {}, file: join(dir, 'missing.json') }).message).toMatch(
      /\(root\) .*cannot read the file \(ENOENT\)/,
    );
    expect(loadError({ env: {}, file: writeJson('{nope') }).message).toMatch(/not valid JSON/);
    expect(loadError({ env: {}, file: writeJson('[1]') }).message).toMatch(/must be a JSON object/);
    const leaky = loadError({ env: { EP_CLIENT_KEYS: `{"acme": "${CLIENT_KEY}" oops}` } });
    expect(leaky.message).toMatch(/api\.clientKeys \(EP_CLIENT_KEYS\): is not valid JSON/);
    expect(leaky.message).not.toContain(CLIENT_KEY);
    expect(loadError({ env: { EP_RATE_LIMITS: '{' } }).issues[0]).toMatchObject({
      path: 'rateLimits',
      source: 'EP_RATE_LIMITS',
    });
  });

  it('returns a deep-frozen configuration', () => {
    const config = loadConfig({ env: { EP_CLIENT_KEYS: JSON.stringify({ a: CLIENT_KEY }) } });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.intervals.x)).toBe(true);
    expect(Object.isFrozen(config.api.clientKeys)).toBe(true);
    expect(() => {
      (config.api as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('binds every environment variable to a distinct setting', () => {
    const names = ENV_BINDINGS.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('EP_INTERVAL_LINKEDIN_INBOX_MS');
    expect(names).not.toContain('EP_INTERVAL_TIKTOK_DMS_MS');
  });
});

describe('redactConfig', () => {
  it('hides keys, the webhook secret and the Redis password, and keeps the rest', () => {
    const config = loadConfig({
      env: {
        EP_REDIS_URL: 'redis://user:hunter2-redis-pass@redis.internal:6379',
        EP_OPERATOR_KEY: OPERATOR_KEY,
        EP_CLIENT_KEYS: JSON.stringify({ acme: CLIENT_KEY }),
        EP_WEBHOOK_URL: 'https://hooks.example.com/ep',
        EP_WEBHOOK_SECRET: WEBHOOK_SECRET,
      },
    });
    const text = JSON.stringify(redactConfig(config));
    for (const secret of [OPERATOR_KEY, CLIENT_KEY, WEBHOOK_SECRET, 'hunter2-redis-pass']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('redis.internal:6379');
    expect(text).toContain('"acme":"[redacted]"');
    expect(text).toContain('https://hooks.example.com/ep');
    expect(
      JSON.stringify(redactConfig(loadConfig({ env: { REDIS_URL: 'redis://h:1' } }))),
    ).toContain('redis://h:1');
  });
});

describe('webhook settings', () => {
  it('refuses a webhook URL without its signing secret, naming the setting', () => {
    expect(() => loadConfig({ env: { EP_WEBHOOK_URL: 'http://127.0.0.1:9/hook' } })).toThrow(
      /sinks\.webhook\.secret.*url and secret go together/s,
    );
  });
});

describe('unknown environment variables', () => {
  it('names a misspelt EP_ variable as a bad setting', () => {
    expect(() => loadConfig({ env: { EP_TYPO_SETTING: '1', EP_PREFIX: 'ok' } })).toThrow(
      /EP_TYPO_SETTING.*unknown setting/s,
    );
  });
});
