import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../domain/clock.js';
import { CredentialsError, isCredentialsError } from './credentials-error.js';
import { FileCredentialProvider } from './file-credential-provider.js';
import {
  defaultSecretName,
  SecretStoreCredentialProvider,
  type SecretStore,
} from './secret-store-credential-provider.js';

const TOKEN_A = 'tok_ACME_X_s3cr3t_value';
const TOKEN_B = 'tok_ACME_X_rotated_value';
const TOKEN_TT = 'tok_GLOBEX_TT_s3cr3t';
const dir = mkdtempSync(join(tmpdir(), 'ep-creds-'));
let n = 0;

function writeFile(content: unknown, path = join(dir, `creds-${n++}.json`)): string {
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

async function rejection(p: Promise<unknown>): Promise<CredentialsError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CredentialsError) return err;
    throw err;
  }
  throw new Error('expected a CredentialsError');
}

function expectNoToken(err: Error, ...tokens: string[]): void {
  const text = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
  for (const token of tokens) expect(text).not.toContain(token);
}

describe('FileCredentialProvider', () => {
  const content = {
    acme: { x: { accessToken: TOKEN_A } },
    globex: { tiktok: { accessToken: TOKEN_TT, accountId: 'biz-1' } },
  };

  it('returns the token and account id of a client and platform', async () => {
    const provider = new FileCredentialProvider({ path: writeFile(content) });
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_A });
    await expect(provider.getCredentials('globex', 'tiktok')).resolves.toEqual({
      accessToken: TOKEN_TT,
      accountId: 'biz-1',
    });
  });

  it('names the client and platform, never a token, when there is no entry', async () => {
    const provider = new FileCredentialProvider({ path: writeFile(content) });
    for (const [clientId, platform] of [
      ['acme', 'linkedin'],
      ['nobody', 'x'],
      ['__proto__', 'x'],
    ] as const) {
      const err = await rejection(provider.getCredentials(clientId, platform));
      expect(err.code).toBe('credentials_missing');
      expect(err.message).toContain(`"${clientId}"`);
      expect(err.message).toContain(platform);
      expect(isCredentialsError(JSON.parse(JSON.stringify({ ...err, name: err.name })))).toBe(true);
      expectNoToken(err, TOKEN_A, TOKEN_TT);
    }
  });

  it('re-reads the file when its modification time changes, once recheckMs has passed', async () => {
    const path = writeFile(content);
    const clock = new ManualClock(0);
    const provider = new FileCredentialProvider({ path, clock, recheckMs: 1_000 });
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_A });
    writeFile({ acme: { x: { accessToken: TOKEN_B } } }, path);
    utimesSync(path, new Date(2030, 0, 1), new Date(2030, 0, 1));
    clock.advance(999);
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_A });
    clock.advance(1);
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_B });
  });

  it('looks at the file on every call with recheckMs 0', async () => {
    const path = writeFile(content);
    const provider = new FileCredentialProvider({ path, recheckMs: 0 });
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_A });
    writeFile({ acme: { x: { accessToken: TOKEN_B } } }, path);
    utimesSync(path, new Date(2031, 0, 1), new Date(2031, 0, 1));
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_B });
  });

  it('reports an invalid file as credentials_file_invalid, naming the file and field, never a token', async () => {
    const bad = writeFile({ acme: { x: { accessToken: 42, token: TOKEN_A } } });
    const err = await rejection(
      new FileCredentialProvider({ path: bad }).getCredentials('acme', 'x'),
    );
    expect(err.code).toBe('credentials_file_invalid');
    expect(err.message).toContain(bad);
    expect(err.message).toMatch(/acme\.x\.accessToken/);
    expectNoToken(err, TOKEN_A);

    const notJson = writeFile(`{"acme": {"x": {"accessToken": "${TOKEN_A}"}}`);
    const err2 = await rejection(
      new FileCredentialProvider({ path: notJson }).getCredentials('acme', 'x'),
    );
    expect(err2.code).toBe('credentials_file_invalid');
    expect(err2.message).toContain(notJson);
    expect(err2.message).toContain('not valid JSON');
    expectNoToken(err2, TOKEN_A);
  });

  it('fails every client alike on a file in the wrong shape (the old simulator output), naming its fields', async () => {
    const old = writeFile({
      credentials: [{ clientId: 'acme', platform: 'x', accessToken: TOKEN_A, accountId: '1' }],
      xAppToken: TOKEN_B,
    });
    const provider = new FileCredentialProvider({ path: old });
    for (const [clientId, platform] of [
      ['acme', 'x'],
      ['globex', 'tiktok'],
    ] as const) {
      const err = await rejection(provider.getCredentials(clientId, platform));
      expect(err.code).toBe('credentials_file_invalid');
      expect(err.message).toContain(old);
      expect(err.message).toMatch(/credentials: /);
      expect(err.message).toMatch(/xAppToken: /);
      expectNoToken(err, TOKEN_A, TOKEN_B);
    }
  });

  it('recovers on its own once an invalid file is fixed', async () => {
    const path = writeFile('{ not json');
    const clock = new ManualClock(0);
    const provider = new FileCredentialProvider({ path, clock, recheckMs: 1_000 });
    expect((await rejection(provider.getCredentials('acme', 'x'))).code).toBe(
      'credentials_file_invalid',
    );
    writeFile(content, path);
    utimesSync(path, new Date(2032, 0, 1), new Date(2032, 0, 1));
    clock.advance(1_000);
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_A });
  });

  it('reports a missing file as unavailable', async () => {
    const err = await rejection(
      new FileCredentialProvider({ path: join(dir, 'absent.json') }).getCredentials('acme', 'x'),
    );
    expect(err.code).toBe('credentials_unavailable');
    expect(err.message).toContain('ENOENT');
  });
});

describe('SecretStoreCredentialProvider', () => {
  const secrets = new Map<string, string>([
    [defaultSecretName('acme', 'x'), JSON.stringify({ accessToken: TOKEN_A })],
    ['custom/globex/tiktok', JSON.stringify({ accessToken: TOKEN_TT, accountId: 'biz-1' })],
    [defaultSecretName('acme', 'linkedin'), `not json ${TOKEN_B}`],
    [defaultSecretName('acme', 'tiktok'), JSON.stringify({ token: TOKEN_B })],
  ]);
  const store: SecretStore = { getSecret: (name) => Promise.resolve(secrets.get(name)) };

  it('reads the JSON secret under engagement-poller/<clientId>/<platform>', async () => {
    const provider = new SecretStoreCredentialProvider({ store });
    await expect(provider.getCredentials('acme', 'x')).resolves.toEqual({ accessToken: TOKEN_A });
  });

  it('uses a custom secret name', async () => {
    const provider = new SecretStoreCredentialProvider({
      store,
      secretNameOf: (clientId, platform) => `custom/${clientId}/${platform}`,
    });
    await expect(provider.getCredentials('globex', 'tiktok')).resolves.toEqual({
      accessToken: TOKEN_TT,
      accountId: 'biz-1',
    });
  });

  it('fails with the client and platform named and no token in the message', async () => {
    const provider = new SecretStoreCredentialProvider({ store });
    const missing = await rejection(provider.getCredentials('globex', 'x'));
    expect(missing.code).toBe('credentials_missing');
    expect(missing.message).toContain('"globex"');

    const notJson = await rejection(provider.getCredentials('acme', 'linkedin'));
    expect(notJson.code).toBe('credentials_invalid');
    expectNoToken(notJson, TOKEN_B);

    const wrongShape = await rejection(provider.getCredentials('acme', 'tiktok'));
    expect(wrongShape.message).toMatch(/accessToken/);
    expectNoToken(wrongShape, TOKEN_B);

    const down = new SecretStoreCredentialProvider({
      store: { getSecret: () => Promise.reject(new Error('connection refused')) },
    });
    const unavailable = await rejection(down.getCredentials('acme', 'x'));
    expect(unavailable.code).toBe('credentials_unavailable');
    expect(unavailable.platform).toBe('x');
    expect(unavailable.clientId).toBe('acme');
  });
});
