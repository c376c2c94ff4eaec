import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../domain/errors.js';
import { createPollingState, updatePollingState } from '../domain/polling-state.js';
import { FileCredentialProvider } from '../runtime/credentials/file-credential-provider.js';
import { decideOnError } from './error-policy.js';

const NOW = 1_000_000;

describe('decideOnError', () => {
  it('blocks a rate limit until the reset the platform gave', () => {
    const d = decideOnError(
      new PlatformError('rate_limited', '429', { resetAtMs: NOW + 900_000 }),
      NOW,
    );
    expect(d.code).toBe('rate_limited');
    expect(d.blockUntilMs).toBe(NOW + 900_000);
    expect(d.result).toMatchObject({ success: false, code: 'rate_limited', retryAfterMs: 900_000 });
  });

  it('turns Retry-After into a block end', () => {
    const d = decideOnError(
      new PlatformError('rate_limited', '429', { retryAfterMs: 300_000 }),
      NOW,
    );
    expect(d.blockUntilMs).toBe(NOW + 300_000);
    expect(d.retryAfterMs).toBe(300_000);
  });

  it('leaves the block to the limiter when the platform said nothing', () => {
    const d = decideOnError(new PlatformError('rate_limited', '429'), NOW);
    expect(d.blockUntilMs).toBeUndefined();
    expect(d.result).not.toHaveProperty('retryAfterMs');
  });

  it.each(['auth', 'not_found', 'transient', 'invalid_request', 'invalid_response'] as const)(
    'keeps the class of a %s error',
    (code) => {
      expect(decideOnError(new PlatformError(code, 'x', { retryAfterMs: 5 }), NOW)).toMatchObject({
        code,
        result: { code, retryAfterMs: 5 },
      });
    },
  );

  it('treats anything else as transient, with a message that says so', () => {
    const d = decideOnError(new TypeError('boom'), NOW);
    expect(d.code).toBe('transient');
    expect(d.result.error).toBe('unexpected failure: boom');
    expect(decideOnError('text', NOW).result.error).toBe('unexpected failure: text');
    expect(decideOnError(42, NOW).result.error).toBe('unexpected failure: non-error thrown');
  });

  it("maps one client's missing or invalid credentials to auth, an unreachable or malformed source to transient", () => {
    const err = (code: string) =>
      Object.assign(new Error(`credentials for client "c" on x: ${code}`), {
        name: 'CredentialsError',
        code,
      });
    expect(decideOnError(err('credentials_missing'), NOW).code).toBe('auth');
    expect(decideOnError(err('credentials_invalid'), NOW).code).toBe('auth');
    expect(decideOnError(err('credentials_unavailable'), NOW).code).toBe('transient');
    expect(decideOnError(err('credentials_file_invalid'), NOW).code).toBe('transient');
  });

  describe('with a real FileCredentialProvider', () => {
    const TOKEN = 'tok_ACME_X_policy_s3cr3t';
    const dir = mkdtempSync(join(tmpdir(), 'ep-policy-creds-'));
    const file = (name: string, content: string): string => {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    };
    const failure = async (path: string, clientId: string): Promise<unknown> => {
      try {
        await new FileCredentialProvider({ path }).getCredentials(clientId, 'x');
      } catch (e) {
        return e;
      }
      throw new Error('expected the provider to fail');
    };
    const state = () =>
      createPollingState(
        { clientId: 'acme', platform: 'x', resourceType: 'mentions', resourceId: '12345' },
        new Date(NOW),
      );

    it('a file that fails validation is transient (backing off, not needs_reauth), naming the file and field', async () => {
      const path = file(
        'invalid.json',
        JSON.stringify({ acme: { x: { accessToken: 7, t: TOKEN } } }),
      );
      const d = decideOnError(await failure(path, 'acme'), NOW);
      expect(d.code).toBe('transient');
      expect(d.result.error).toContain(path);
      expect(d.result.error).toContain('acme.x.accessToken');
      expect(d.result.error).not.toContain(TOKEN);
      expect(updatePollingState(state(), d.result, new Date(NOW)).status).toBe('backing_off');
    });

    it('a file that is not JSON is transient, naming the file, never quoting it', async () => {
      const path = file('not-json.json', `{"acme": {"x": {"accessToken": "${TOKEN}"`);
      const d = decideOnError(await failure(path, 'acme'), NOW);
      expect(d.code).toBe('transient');
      expect(d.result.error).toContain(path);
      expect(d.result.error).toContain('not valid JSON');
      expect(d.result.error).not.toContain(TOKEN);
    });

    it('an unreadable (absent) file is transient', async () => {
      const d = decideOnError(await failure(join(dir, 'absent.json'), 'acme'), NOW);
      expect(d.code).toBe('transient');
      expect(d.result.error).toContain('ENOENT');
    });

    it('a client missing from a valid file stays auth (needs_reauth)', async () => {
      const path = file('valid.json', JSON.stringify({ acme: { x: { accessToken: TOKEN } } }));
      const d = decideOnError(await failure(path, 'globex'), NOW);
      expect(d.code).toBe('auth');
      expect(d.result.error).toContain('"globex"');
      expect(d.result.error).not.toContain(TOKEN);
      expect(updatePollingState(state(), d.result, new Date(NOW)).status).toBe('needs_reauth');
    });
  });

  it('never carries a token into the recorded error', () => {
    const d = decideOnError(
      new Error('request failed: Authorization: Bearer sekrit-token-123'),
      NOW,
    );
    expect(d.result.error).not.toContain('sekrit-token-123');
  });
});
