import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
      const creds = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as {
        credentials: unknown[];
      };
      expect(creds.credentials).toHaveLength(6);
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
