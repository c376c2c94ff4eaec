import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PLATFORMS } from '../domain/platform.js';
import { FileCredentialProvider } from '../runtime/credentials/file-credential-provider.js';
import { runSimulatorCommand } from './command.js';
import { ScaledClock } from './scaled-clock.js';

describe('runSimulatorCommand', () => {
  it('starts on the given port and writes credentials and resources files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cmd-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(configFile, JSON.stringify({ clients: 5, postsPerClient: 2 }));
    const lines: string[] = [];
    const sim = await runSimulatorCommand({
      port: 0,
      seed: 'cmd',
      clients: 2,
      speed: 60,
      configFile,
      credentialsFile: join(dir, 'credentials.json'),
      resourcesFile: join(dir, 'resources.json'),
      print: (line) => lines.push(line),
    });
    try {
      expect(sim.config.clients).toBe(2);
      expect(sim.config.postsPerClient).toBe(2);
      const creds = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as Record<
        string,
        Record<string, unknown>
      >;
      expect(Object.keys(creds)).toHaveLength(2);
      expect(Object.values(creds).flatMap((c) => Object.keys(c))).toHaveLength(6);
      const res = JSON.parse(readFileSync(join(dir, 'resources.json'), 'utf8')) as {
        resources: unknown[];
      };
      expect(res.resources).toEqual(sim.world.resources());
      expect(lines.at(-1)).toContain(sim.url);
      expect((await fetch(`${sim.url}/_sim/health`)).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});

describe('runSimulatorCommand --credentials-file', () => {
  it('writes the worker credentials file: FileCredentialProvider reads every token the simulator accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cmd-creds-'));
    const path = join(dir, 'credentials.json');
    // An existing, world-readable file (say, from an earlier run) is replaced owner-only.
    writeFileSync(path, '{}', { mode: 0o644 });
    const sim = await runSimulatorCommand({
      port: 0,
      seed: 'cmd-creds',
      clients: 2,
      credentialsFile: path,
      print: () => {},
    });
    try {
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const text = readFileSync(path, 'utf8');
      // App-level tokens have no place in the worker's format.
      expect(text).not.toContain(sim.world.xAppToken);
      expect(text).not.toContain(sim.world.tiktokResearchToken);

      const provider = new FileCredentialProvider({ path, recheckMs: 0 });
      const expected = sim.world.credentials();
      expect(expected).toHaveLength(2 * PLATFORMS.length);
      for (const c of expected) {
        await expect(provider.getCredentials(c.clientId, c.platform)).resolves.toEqual({
          accessToken: c.accessToken,
          accountId: c.accountId,
        });
      }

      // And the token read back is one the simulator accepts for that client.
      const x = expected.find((c) => c.platform === 'x')!;
      const { accessToken } = await provider.getCredentials(x.clientId, 'x');
      const res = await fetch(`${sim.url}/2/users/${x.accountId}/mentions`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(res.status).toBe(200);

      // A client the simulator does not have stays a missing entry (auth), not an invalid file.
      await expect(provider.getCredentials('nobody', 'x')).rejects.toMatchObject({
        code: 'credentials_missing',
      });
    } finally {
      await sim.close();
    }
  });
});

describe('ScaledClock', () => {
  it('runs virtual time `speed` times faster than the real clock it reads', () => {
    let real = 1000;
    const clock = new ScaledClock(60, 5_000_000, () => real);
    expect(clock.now()).toBe(5_000_000);
    real += 1000;
    expect(clock.now()).toBe(5_060_000);
    expect(() => new ScaledClock(0)).toThrow();
  });
});
