/**
 * The simulator's tokens as the worker's credentials file (`EP_CREDENTIALS_FILE`):
 * `{ "<clientId>": { "<platform>": { "accessToken": "…", "accountId": "…" } } }`. One function, used
 * by `engagement-poller simulator --credentials-file` and by the demo harness, so the two cannot
 * drift from each other (an integration test reads the file back with the worker's own provider).
 *
 * App-level tokens (the X app-only Bearer token, the TikTok Research client token) have no place
 * in that format — the worker polls with each client's user token — so they are not written; the
 * simulator still serves them at `GET /_sim/credentials`.
 */
import { chmodSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Platform } from '../domain/platform.js';
import type { SimCredential } from './world.js';

/** One client's platform entry in a worker credentials file. */
export interface WorkerPlatformCredentials {
  accessToken: string;
  accountId: string;
}

/** A worker credentials file: client id → platform → credentials. */
export type WorkerCredentialsFile = Record<
  string,
  Partial<Record<Platform, WorkerPlatformCredentials>>
>;

/** The worker credentials file holding these tokens. */
export function toWorkerCredentialsFile(
  credentials: readonly SimCredential[],
): WorkerCredentialsFile {
  // A null-prototype object, so that a client id such as `__proto__` is an ordinary key.
  const file = Object.create(null) as WorkerCredentialsFile;
  for (const c of credentials) {
    const client = Object.hasOwn(file, c.clientId)
      ? file[c.clientId]!
      : (file[c.clientId] = Object.create(null) as WorkerCredentialsFile[string]);
    client[c.platform] = { accessToken: c.accessToken, accountId: c.accountId };
  }
  return file;
}

/**
 * Write the tokens to `path` in the worker's credentials format, readable by the owner only (mode
 * 0o600, also when the file already existed). The file is replaced in one rename, so a worker that
 * re-reads it never sees half of it.
 */
export function writeWorkerCredentialsFile(
  path: string,
  credentials: readonly SimCredential[],
): void {
  const text = `${JSON.stringify(toWorkerCredentialsFile(credentials), null, 2)}\n`;
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600 });
    // writeFileSync's mode applies only when it creates the file (a stale temporary file keeps its own).
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
