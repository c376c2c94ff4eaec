/**
 * Structured logs: pino JSON lines (pretty in a terminal), with secrets redacted by path and
 * credential-looking text masked in messages. Every line about a poll carries clientId, platform,
 * resource and jobId through {@link childLogger}.
 */
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';
import { redactSecrets } from '../domain/errors.js';

/** The logger type every component receives (pino's). */
export type { Logger } from 'pino';

/** Keys whose values are secrets wherever they appear (top level, and one or two levels down). */
const SECRET_KEYS = [
  'accessToken',
  'refreshToken',
  'token',
  'secret',
  'password',
  'apiKey',
  'operatorKey',
  'clientKeys',
  'authorization',
  'cookie',
  'credentials',
];

/**
 * pino redact paths covering token-ish fields and HTTP authorization headers. pino's wildcards
 * match one level, so each key is listed at the depths our log objects have.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze([
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]),
  'headers.authorization',
  'headers["x-api-key"]',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers.cookie',
  'req.headers',
]);

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Lowest level written. @defaultValue 'info' */
  level?: string;
  /**
   * Human-readable output; `auto` means when stdout is a terminal. Ignored when `destination` is
   * given.
   * @defaultValue 'auto'
   */
  pretty?: boolean | 'auto';
  /** Where JSON lines go (tests pass a stream). @defaultValue stdout */
  destination?: DestinationStream;
  /** Fields on every line. @defaultValue `{ service: 'engagement-poller' }` */
  base?: Record<string, unknown>;
}

/** A pino logger with the product's redaction rules. */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.base ?? { service: 'engagement-poller' },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    hooks: {
      // A token pasted into a message string (not a field) is masked too.
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
  if (options.destination !== undefined) return pino(pinoOptions, options.destination);
  const pretty = options.pretty ?? 'auto';
  const isPretty = pretty === 'auto' ? process.stdout.isTTY : pretty;
  if (isPretty) {
    return pino(pinoOptions, pinoPretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(pinoOptions);
}

/** What a log line about one poll is about. */
export interface LogContext {
  clientId?: string;
  platform?: string;
  /** Resource as `<type>` or `<type>:<id>`, or the state id. */
  resource?: string;
  jobId?: string;
}

/** A child logger whose every line carries the given context (undefined fields left out). */
export function childLogger(logger: Logger, context: LogContext): Logger {
  const bindings: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value === 'string') bindings[key] = value;
  }
  return logger.child(bindings);
}
