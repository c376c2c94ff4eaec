/**
 * What every command shares: where output goes, the environment it reads, loading the
 * configuration (a {@link ConfigError} ends the command with exit code 2), and the services an
 * operator command uses (the store, through a runtime that runs no role).
 */
import { pino } from 'pino';
import type { Config } from '../config/config-schema.js';
import { ConfigError, loadConfig } from '../config/load-config.js';
import { ValidationError } from '../domain/errors.js';
import { createLogger } from '../runtime/logger.js';
import { startRuntime, type Runtime } from '../runtime/runtime.js';

/** Where a command reads its environment and writes its output. */
export interface CliIo {
  env: Readonly<Record<string, string | undefined>>;
  /** Writes text to standard output (add the newline yourself). */
  out: (text: string) => void;
  /** Writes text to standard error. */
  err: (text: string) => void;
  /** Whether standard output is a terminal (live redraw) or not (plain lines). */
  isTTY: boolean;
}

/** The io of this process. */
export function processIo(): CliIo {
  return {
    env: process.env,
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    isTTY: process.stdout.isTTY === true,
  };
}

/** Ends a command with an exit code; the message (if any) goes to standard error. */
export class CliExit extends Error {
  override readonly name = 'CliExit';
  readonly exitCode: number;

  constructor(exitCode: number, message = '') {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Exit code of a bad configuration or bad arguments. */
export const EXIT_USAGE = 2;

/** The configuration from the environment and `--config FILE`; exit 2 listing every bad setting. */
export function loadCliConfig(io: CliIo, file: string | undefined): Config {
  try {
    return loadConfig({ env: io.env, ...(file !== undefined ? { file } : {}) });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliExit(EXIT_USAGE, err.message);
    throw err;
  }
}

/** Turns a ValidationError (bad resource reference) into exit 2 naming each field. */
export function usageErrorOf(err: unknown): unknown {
  if (err instanceof ConfigError) return new CliExit(EXIT_USAGE, err.message);
  if (err instanceof ValidationError) {
    const lines = err.issues.map((i) => `  - ${i.field}: ${i.reason}`);
    return new CliExit(EXIT_USAGE, `Invalid arguments:\n${lines.join('\n')}`);
  }
  return err;
}

/**
 * Run `fn` with a runtime that runs no role (operator commands talk to Redis through its store),
 * logging warnings only, to standard error.
 */
export async function withServices<T>(config: Config, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await startRuntime({
    config,
    roles: {},
    // Synchronous: a warning (a corrupt state met, say) is a whole line on standard error written
    // when it happens, not flushed at exit after (and run into) the command's own output.
    logger: createLogger({ level: 'warn', destination: pino.destination({ dest: 2, sync: true }) }),
  }).catch((err: unknown) => {
    throw usageErrorOf(err);
  });
  try {
    return await fn(rt);
  } catch (err) {
    throw usageErrorOf(err);
  } finally {
    await rt.close();
  }
}
