/**
 * The X/LinkedIn/TikTok API simulator. Imported only by the demo command, tests and benchmarks.
 */
export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { runSimulatorCommand, type SimulatorCommandOptions } from './command.js';
export {
  toWorkerCredentialsFile,
  writeWorkerCredentialsFile,
  type WorkerCredentialsFile,
} from './credentials-file.js';
export { ScaledClock } from './scaled-clock.js';
export { DEFAULT_CONFIG, resolveConfig } from './options.js';
export type {
  FaultOptions,
  RateLimitOptions,
  SimulatorConfig,
  SimulatorConfigInput,
  TrafficOptions,
} from './options.js';
export { Faults, type QueuedFault } from './faults.js';
export type { RequestLogEntry, RequestStats } from './request-log.js';
export { World } from './world.js';
export type { SimCredential, SimResource, TruthFilter, TruthItem } from './world.js';
