/**
 * Loads the configuration once at start-up: an optional JSON file (`EP_CONFIG_FILE`), then
 * environment variables on top (env wins), validated by {@link ConfigSchema}. Every bad setting is
 * listed in one {@link ConfigError}; the result is deep-frozen. This folder is the only place that
 * reads `process.env`.
 */
import { readFileSync } from 'node:fs';
import { RESOURCE_RULES, PLATFORMS } from '../domain/platform.js';
import { ConfigSchema, type Config } from './config-schema.js';

/** How an environment variable's text becomes a value. */
type EnvKind = 'string' | 'int' | 'number' | 'boolean' | 'boolean-or-auto' | 'json';

/** One environment variable and the setting it fills. */
export interface EnvBinding {
  /** Variable name, e.g. `EP_API_PORT`. */
  name: string;
  /** Dotted path of the setting, e.g. `api.port`. */
  path: string;
  kind: EnvKind;
}

const staticBindings: EnvBinding[] = [
  { name: 'EP_REDIS_URL', path: 'redis.url', kind: 'string' },
  { name: 'EP_PREFIX', path: 'redis.prefix', kind: 'string' },
  { name: 'EP_PARTITIONS', path: 'redis.partitions', kind: 'int' },
  { name: 'EP_MAX_ERRORS', path: 'maxErrors', kind: 'int' },
  { name: 'EP_PROBE_INTERVAL_MS', path: 'probeIntervalMs', kind: 'int' },
  { name: 'EP_BACKOFF_BASE_MS', path: 'backoff.baseMs', kind: 'int' },
  { name: 'EP_BACKOFF_CAP_MS', path: 'backoff.capMs', kind: 'int' },
  { name: 'EP_ADAPTIVE_STRETCH_FACTOR', path: 'adaptive.stretchFactor', kind: 'number' },
  { name: 'EP_ADAPTIVE_MAX_MULTIPLIER', path: 'adaptive.maxMultiplier', kind: 'number' },
  { name: 'EP_SCHEDULER_TICK_MS', path: 'scheduler.tickMs', kind: 'int' },
  { name: 'EP_SCHEDULER_JITTER_RATIO', path: 'scheduler.jitterRatio', kind: 'number' },
  { name: 'EP_SCHEDULER_LEASE_MS', path: 'scheduler.leaseMs', kind: 'int' },
  { name: 'EP_WORKER_CONCURRENCY', path: 'worker.concurrency', kind: 'int' },
  { name: 'EP_WORKER_PAGE_CAP', path: 'worker.pageCapPerJob', kind: 'int' },
  { name: 'EP_WORKER_LOCK_DURATION_MS', path: 'worker.lockDurationMs', kind: 'int' },
  { name: 'EP_WORKER_STALLED_INTERVAL_MS', path: 'worker.stalledIntervalMs', kind: 'int' },
  { name: 'EP_LEDGER_MAX_AGE_MS', path: 'ledger.maxAgeMs', kind: 'int' },
  { name: 'EP_LEDGER_MAX_COUNT', path: 'ledger.maxCount', kind: 'int' },
  { name: 'EP_X_BASE_URL', path: 'platforms.x.baseUrl', kind: 'string' },
  { name: 'EP_X_FIELDS_PARAM_NAME', path: 'platforms.x.fieldsParamName', kind: 'string' },
  { name: 'EP_LINKEDIN_BASE_URL', path: 'platforms.linkedin.baseUrl', kind: 'string' },
  { name: 'EP_LINKEDIN_VERSION', path: 'platforms.linkedin.version', kind: 'string' },
  { name: 'EP_TIKTOK_BASE_URL', path: 'platforms.tiktok.baseUrl', kind: 'string' },
  {
    name: 'EP_TIKTOK_RESEARCH_BASE_URL',
    path: 'platforms.tiktok.researchBaseUrl',
    kind: 'string',
  },
  { name: 'EP_RATE_LIMITS', path: 'rateLimits', kind: 'json' },
  { name: 'EP_QUEUE_ENABLED', path: 'sinks.queue.enabled', kind: 'boolean' },
  { name: 'EP_QUEUE_NAME', path: 'sinks.queue.name', kind: 'string' },
  { name: 'EP_WEBHOOK_URL', path: 'sinks.webhook.url', kind: 'string' },
  { name: 'EP_WEBHOOK_SECRET', path: 'sinks.webhook.secret', kind: 'string' },
  { name: 'EP_WEBHOOK_MAX_ATTEMPTS', path: 'sinks.webhook.maxAttempts', kind: 'int' },
  { name: 'EP_JSONL_PATH', path: 'sinks.jsonl.path', kind: 'string' },
  { name: 'EP_API_HOST', path: 'api.host', kind: 'string' },
  { name: 'EP_API_PORT', path: 'api.port', kind: 'int' },
  { name: 'EP_OPERATOR_KEY', path: 'api.operatorKey', kind: 'string' },
  { name: 'EP_CLIENT_KEYS', path: 'api.clientKeys', kind: 'json' },
  { name: 'EP_STALL_THRESHOLD_MS', path: 'api.stallThresholdMs', kind: 'int' },
  { name: 'EP_CREDENTIALS_FILE', path: 'credentials.file', kind: 'string' },
  { name: 'EP_LOG_LEVEL', path: 'log.level', kind: 'string' },
  { name: 'EP_LOG_PRETTY', path: 'log.pretty', kind: 'boolean-or-auto' },
];

/**
 * Every environment variable the loader reads (besides `EP_CONFIG_FILE`, `EP_CLIENT_KEYS_FILE` and
 * the fallback `REDIS_URL`), with the setting it fills. Per-resource intervals are
 * `EP_INTERVAL_<PLATFORM>_<TYPE>_MS` and batch limits `EP_BATCH_LIMIT_<PLATFORM>`.
 */
export const ENV_BINDINGS: readonly EnvBinding[] = Object.freeze([
  ...staticBindings,
  ...PLATFORMS.flatMap((platform) =>
    Object.keys(RESOURCE_RULES[platform]).map((type) => ({
      name: `EP_INTERVAL_${platform.toUpperCase()}_${type.toUpperCase()}_MS`,
      path: `intervals.${platform}.${type}`,
      kind: 'int' as const,
    })),
  ),
  ...PLATFORMS.map((platform) => ({
    name: `EP_BATCH_LIMIT_${platform.toUpperCase()}`,
    path: `batchLimits.${platform}`,
    kind: 'int' as const,
  })),
]);

/** One bad setting. */
export interface ConfigIssue {
  /** Dotted path of the setting (`(root)` for the whole file). */
  path: string;
  /** What is wrong; never the value itself (it may be a secret). */
  reason: string;
  /** Where the value came from: an environment variable's name or a file path. */
  source?: string;
}

/** The configuration is invalid; `issues` lists every problem and the message lists them all. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(
      (i) => `  - ${i.path}${i.source === undefined ? '' : ` (${i.source})`}: ${i.reason}`,
    );
    super(
      `Invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment variables. @defaultValue process.env */
  env?: Readonly<Record<string, string | undefined>>;
  /** Path of a JSON configuration file. @defaultValue env.EP_CONFIG_FILE (none when unset) */
  file?: string;
}

type PlainObject = Record<string, unknown>;

function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function setPath(target: PlainObject, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (isPlainObject(next)) node = next;
    else node = node[part] = {};
  }
  node[parts[parts.length - 1] as string] = value;
}

/** `override` merged onto `base`: objects merge key by key, anything else is replaced. */
function deepMerge(base: PlainObject, override: PlainObject): PlainObject {
  const out: PlainObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * An environment variable's text as the kind of value the setting wants. Text that does not parse is
 * passed on unchanged so that the schema reports it against the setting.
 */
function convertEnvValue(text: string, kind: EnvKind): { value: unknown } | { error: string } {
  switch (kind) {
    case 'string':
      return { value: text };
    case 'int':
    case 'number':
      return /^-?[0-9]+(\.[0-9]+)?(e[0-9]+)?$/i.test(text.trim())
        ? { value: Number(text) }
        : { error: `must be a ${kind === 'int' ? 'whole number' : 'number'}` };
    case 'boolean':
    case 'boolean-or-auto': {
      const t = text.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(t)) return { value: true };
      if (['0', 'false', 'no', 'off'].includes(t)) return { value: false };
      if (kind === 'boolean-or-auto' && t === 'auto') return { value: 'auto' };
      return {
        error: `must be true or false${kind === 'boolean-or-auto' ? ' or auto' : ''}`,
      };
    }
    case 'json':
      try {
        return { value: JSON.parse(text) as unknown };
      } catch (err) {
        return { error: describeJsonError(err) };
      }
  }
}

/**
 * Why a JSON text did not parse, without quoting it: newer engines' messages quote the text, and the
 * text may hold a key. Only the position is kept.
 */
function describeJsonError(err: unknown): string {
  const position = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
  return `is not valid JSON${position === undefined ? '' : ` (error at character ${position})`}`;
}

function readJsonFile(path: string, settingPath: string, issues: ConfigIssue[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    issues.push({ path: settingPath, source: path, reason: `cannot read the file (${code})` });
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    issues.push({ path: settingPath, source: path, reason: describeJsonError(err) });
    return undefined;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Build the configuration from a JSON file (optional) and environment variables (which win).
 * Throws a {@link ConfigError} listing every bad setting with its path, its source and the reason.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v;
  };
  const issues: ConfigIssue[] = [];
  const sources = new Map<string, string>();

  let fromFile: PlainObject = {};
  const file = options.file ?? get('EP_CONFIG_FILE');
  if (file !== undefined) {
    const parsed = readJsonFile(file, '(root)', issues);
    if (isPlainObject(parsed)) fromFile = parsed;
    else if (parsed !== undefined) {
      issues.push({ path: '(root)', source: file, reason: 'must be a JSON object' });
    }
  }

  const fromEnv: PlainObject = {};
  const redisFallback = get('REDIS_URL');
  const bindings: EnvBinding[] = [...ENV_BINDINGS];
  if (get('EP_REDIS_URL') === undefined && redisFallback !== undefined) {
    bindings.push({ name: 'REDIS_URL', path: 'redis.url', kind: 'string' });
  }
  for (const binding of bindings) {
    const text = get(binding.name);
    if (text === undefined) continue;
    const converted = convertEnvValue(text, binding.kind);
    if ('error' in converted) {
      issues.push({ path: binding.path, source: binding.name, reason: converted.error });
      continue;
    }
    setPath(fromEnv, binding.path, converted.value);
    sources.set(binding.path, binding.name);
  }

  // A misspelt EP_ variable is a bad setting too, not something to ignore silently.
  const known = new Set([
    ...ENV_BINDINGS.map((b) => b.name),
    'EP_CONFIG_FILE',
    'EP_CLIENT_KEYS_FILE',
  ]);
  for (const name of Object.keys(env).sort()) {
    if (name.startsWith('EP_') && !known.has(name) && get(name) !== undefined) {
      issues.push({ path: '(environment)', source: name, reason: 'unknown setting (misspelt?)' });
    }
  }

  const clientKeysFile = get('EP_CLIENT_KEYS_FILE');
  if (clientKeysFile !== undefined) {
    const keys = readJsonFile(clientKeysFile, 'api.clientKeys', issues);
    if (keys !== undefined) {
      setPath(fromEnv, 'api.clientKeys', keys);
      sources.set('api.clientKeys', 'EP_CLIENT_KEYS_FILE');
    }
  }

  const parsed = ConfigSchema.safeParse(deepMerge(fromFile, fromEnv));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('.') || '(root)';
      const source =
        sources.get(path) ??
        [...sources.entries()].find(([p]) => path.startsWith(`${p}.`))?.[1] ??
        file;
      issues.push(
        source === undefined
          ? { path, reason: issue.message }
          : { path, source, reason: issue.message },
      );
    }
  }
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues);
  return deepFreeze(parsed.data);
}

const REDACTED = '[redacted]';

/**
 * A copy of the configuration that is safe to print or log: API keys, the webhook secret and any
 * password in the Redis URL are replaced by `[redacted]`.
 */
export function redactConfig(config: Config): Config {
  const copy = JSON.parse(JSON.stringify(config)) as {
    redis: { url?: string };
    api: { operatorKey?: string; clientKeys: Record<string, string> };
    sinks: { webhook: { secret?: string } };
  };
  if (copy.api.operatorKey !== undefined) copy.api.operatorKey = REDACTED;
  for (const clientId of Object.keys(copy.api.clientKeys)) copy.api.clientKeys[clientId] = REDACTED;
  if (copy.sinks.webhook.secret !== undefined) copy.sinks.webhook.secret = REDACTED;
  if (copy.redis.url !== undefined) copy.redis.url = redactUrlPassword(copy.redis.url);
  return deepFreeze(copy as unknown as Config);
}

function redactUrlPassword(url: string): string {
  // The schema accepted it as a URL; should it still not parse, hide it whole rather than leak it.
  if (!URL.canParse(url)) return REDACTED;
  const u = new URL(url);
  if (u.password === '') return url;
  u.password = REDACTED;
  return u.toString();
}
