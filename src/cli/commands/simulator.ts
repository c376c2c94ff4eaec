/** `simulator`: the platform API simulator on a port, for trying the service without real accounts. */
import { runSimulatorCommand } from '../../simulator/index.js';
import type { CliIo } from '../io.js';

/** Options of the `simulator` command as commander parses them. */
export interface SimulatorArgs {
  port: number;
  host: string;
  seed: string;
  clients: number;
  speed: number;
  simConfig?: string;
  credentialsFile?: string;
  resourcesFile?: string;
}

/** Start the simulator; it runs until the process is stopped. */
export async function runSimulator(args: SimulatorArgs, io: CliIo): Promise<void> {
  const sim = await runSimulatorCommand({
    port: args.port,
    host: args.host,
    seed: args.seed,
    clients: args.clients,
    speed: args.speed,
    ...(args.simConfig !== undefined ? { configFile: args.simConfig } : {}),
    ...(args.credentialsFile !== undefined ? { credentialsFile: args.credentialsFile } : {}),
    ...(args.resourcesFile !== undefined ? { resourcesFile: args.resourcesFile } : {}),
    print: (line) => io.out(`${line}\n`),
  });
  const stop = () => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
