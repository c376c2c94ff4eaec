/**
 * Credentials from a JSON file, for the demo and small installs. The file is read when credentials
 * are first asked for and again whenever its modification time (or size) changes, so rotating a
 * token is a file write, not a restart. Tokens are held in memory only.
 */
import { readFile, stat } from 'node:fs/promises';
import { systemClock, type Clock } from '../../domain/clock.js';
import type { Platform } from '../../domain/platform.js';
import type { CredentialProvider, Credentials } from '../../platforms/connector.js';
import { CredentialsError } from './credentials-error.js';
import {
  CredentialsFileSchema,
  describeIssues,
  type CredentialsFile,
} from './credentials-schema.js';

/** Options of {@link FileCredentialProvider}. */
export interface FileCredentialProviderOptions {
  /** Path of the JSON file. */
  path: string;
  /**
   * How long a successful look at the file is trusted before its modification time is checked
   * again: a rotated token is picked up within this long. Checking on every request cost a `stat`
   * (a thread-pool round trip) per platform call. 0 checks every time. @defaultValue 1_000
   */
  recheckMs?: number;
  /** Source of now for `recheckMs`. @defaultValue systemClock */
  clock?: Clock;
}

interface Loaded {
  mtimeMs: number;
  size: number;
  /** The parsed file, or why it could not be used. */
  result: { ok: true; data: CredentialsFile } | { ok: false; code: 'invalid'; detail: string };
}

/** Reads `{ "<clientId>": { "<platform>": { accessToken, accountId? } } }` from a file. */
export class FileCredentialProvider implements CredentialProvider {
  readonly path: string;
  #loaded: Loaded | null = null;
  #loading: Promise<Loaded> | null = null;
  /** Until when (epoch ms) `#loaded` is used without looking at the file. */
  #freshUntilMs = -Infinity;
  readonly #recheckMs: number;
  readonly #clock: Clock;

  constructor(options: FileCredentialProviderOptions) {
    this.path = options.path;
    this.#recheckMs = options.recheckMs ?? 1_000;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * The client's credentials for the platform. Rejects with a {@link CredentialsError} naming the
   * client and platform (never a token): `credentials_unavailable` when the file cannot be read,
   * `credentials_file_invalid` (naming the file and the failing fields) when it is not valid JSON or
   * fails validation, `credentials_missing` when a valid file has no entry for them.
   */
  async getCredentials(clientId: string, platform: Platform): Promise<Credentials> {
    const loaded = await this.#current(clientId, platform);
    if (!loaded.result.ok) {
      // The whole file is unusable: a configuration error, not this client's credentials.
      throw new CredentialsError(
        'credentials_file_invalid',
        clientId,
        platform,
        `the credentials file ${this.path} is invalid (${loaded.result.detail}); a configuration error: polls recover once the file is fixed`,
      );
    }
    const entry = Object.hasOwn(loaded.result.data, clientId)
      ? loaded.result.data[clientId]?.[platform]
      : undefined;
    if (entry === undefined) {
      throw new CredentialsError(
        'credentials_missing',
        clientId,
        platform,
        `none in the credentials file ${this.path}`,
      );
    }
    const credentials: Credentials = { accessToken: entry.accessToken };
    if (entry.accountId !== undefined) credentials.accountId = entry.accountId;
    return credentials;
  }

  async #current(clientId: string, platform: Platform): Promise<Loaded> {
    const nowMs = this.#clock.now();
    if (this.#loaded !== null && nowMs < this.#freshUntilMs) return this.#loaded;
    let info: { mtimeMs: number; size: number };
    try {
      info = await stat(this.path);
    } catch (err) {
      throw new CredentialsError(
        'credentials_unavailable',
        clientId,
        platform,
        `cannot read the credentials file ${this.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: err },
      );
    }
    const cached = this.#loaded;
    if (cached !== null && cached.mtimeMs === info.mtimeMs && cached.size === info.size) {
      this.#freshUntilMs = nowMs + this.#recheckMs;
      return cached;
    }
    // Concurrent callers share one read.
    this.#loading ??= this.#read(info).finally(() => {
      this.#loading = null;
    });
    try {
      const loaded = await this.#loading;
      this.#freshUntilMs = nowMs + this.#recheckMs;
      return loaded;
    } catch (err) {
      throw new CredentialsError(
        'credentials_unavailable',
        clientId,
        platform,
        `cannot read the credentials file ${this.path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause: err },
      );
    }
  }

  async #read(info: { mtimeMs: number; size: number }): Promise<Loaded> {
    const text = await readFile(this.path, 'utf8');
    const loaded: Loaded = { ...info, result: parseCredentialsFile(text) };
    this.#loaded = loaded;
    return loaded;
  }
}

function parseCredentialsFile(text: string): Loaded['result'] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // JSON.parse's message quotes the text, which holds tokens: say only that it is not JSON.
    return {
      ok: false,
      code: 'invalid',
      detail: err instanceof SyntaxError ? 'not valid JSON' : 'unparsable',
    };
  }
  const parsed = CredentialsFileSchema.safeParse(raw);
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, code: 'invalid', detail: describeIssues(parsed.error) };
}
