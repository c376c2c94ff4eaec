/**
 * What `engagement-poller simulator` runs: start the simulator on a port, optionally with time
 * sped up, and write the clients' credentials and resources to files for the demo.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { systemClock, type Clock } from '../domain/clock.js';
import { writeWorkerCredentialsFile } from './credentials-file.js';
import type { SimulatorConfigInput } from './options.js';
import { ScaledClock } from './scaled-clock.js';
import { startSimulator, type Simulator } from './server.js';

/** Options of the `simulator` command. */
export interface SimulatorCommandOptions {
  /** Port to listen on. @defaultValue 4010 */
  port?: number;
  /** Interface to listen on. @defaultValue '127.0.0.1' */
  host?: string;
  /** World seed. @defaultValue 'sim' */
  seed?: string;
  /** Number of clients. @defaultValue 3 */
  clients?: number;
  /** Virtual ms per real ms (1: real time). @defaultValue 1 */
  speed?: number;
  /** A JSON file holding a partial simulator configuration (overridden by the options above). */
  configFile?: string;
  /**
   * Write each client's token per platform here, in the worker's credentials-file format
   * (`EP_CREDENTIALS_FILE`: `{ "<clientId>": { "<platform>": { accessToken, accountId } } }`), mode
   * 0o600. App-level tokens are not in it (`GET /_sim/credentials` has them).
   */
  credentialsFile?: string;
  /** Write `{resources}` here (every pollable resource per client). */
  resourcesFile?: string;
  /** Where progress lines go. @defaultValue console.log */
  print?: (line: string) => void;
}

/** Start the simulator as the command line asks; resolves once it listens. */
export async function runSimulatorCommand(
  options: SimulatorCommandOptions = {},
): Promise<Simulator> {
  const print = options.print ?? ((line: string) => console.log(line));
  const fromFile: SimulatorConfigInput =
    options.configFile === undefined
      ? {}
      : (JSON.parse(readFileSync(options.configFile, 'utf8')) as SimulatorConfigInput);
  const speed = options.speed ?? 1;
  const clock: Clock = speed === 1 ? systemClock : new ScaledClock(speed);
  const sim = await startSimulator({
    ...fromFile,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.clients !== undefined ? { clients: options.clients } : {}),
    port: options.port ?? 4010,
    host: options.host ?? '127.0.0.1',
    clock,
  });
  try {
    if (options.credentialsFile !== undefined) {
      writeWorkerCredentialsFile(options.credentialsFile, sim.world.credentials());
      print(`credentials written to ${options.credentialsFile} (for EP_CREDENTIALS_FILE)`);
    }
    if (options.resourcesFile !== undefined) {
      writeFileSync(
        options.resourcesFile,
        `${JSON.stringify({ resources: sim.world.resources() }, null, 2)}\n`,
      );
      print(`resources written to ${options.resourcesFile}`);
    }
  } catch (err) {
    // A file that cannot be written must not leave a listening server behind.
    await sim.close();
    throw err;
  }
  print(
    `simulator listening on ${sim.url} (seed ${sim.config.seed}, ${sim.config.clients} clients, speed ×${speed}); truth at ${sim.url}/_sim/truth`,
  );
  return sim;
}
