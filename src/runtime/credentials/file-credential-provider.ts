/**
 * Credentials from a JSON file, for the demo and small installs. The file is read when credentials
 * are first asked for and again whenever its modification time (or size) changes, so rotating a
 * token is a file write, not a restart. Tokens are held in memory only.
 */
import { readFile, stat } from 'node:fs/promises';
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

  constructor(options: FileCredentialProviderOptions) {
    this.path = options.path;
  }

  /**
   * The client's credentials for the platform. Rejects with a {@link CredentialsError} naming the
   * client and platform (never a token) when the file is missing, invalid, or has no entry.
   */
  async getCredentials(clientId: string, platform: Platform): Promise<Credentials> {
    const loaded = await this.#current(clientId, platform);
    if (!loaded.result.ok) {
      throw new CredentialsError(
        'credentials_invalid',
        clientId,
        platform,
        `the credentials file ${this.path} is invalid (${loaded.result.detail})`,
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
      return cached;
    }
    // Concurrent callers share one read.
    this.#loading ??= this.#read(info).finally(() => {
      this.#loading = null;
    });
    try {
      return await this.#loading;
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
