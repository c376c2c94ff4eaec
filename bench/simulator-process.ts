/**
 * The simulator in a process of its own, for the pipeline benchmark: the worker process under
 * measurement must not also host the platforms it polls. Started as
 * `node --import tsx bench/simulator-process.ts '<json>'` where the JSON holds `startMs` (the
 * ManualClock's start) and the simulator's options; prints one line `{"url": …}` once it listens,
 * then serves until its stdin closes or it gets SIGTERM. Its clock moves only by
 * `POST /_sim/advance`.
 */
import { ManualClock } from '../src/domain/clock.js';
import { startSimulator, type SimulatorOptions } from '../src/simulator/index.js';

const input = JSON.parse(process.argv[2] ?? '{}') as Omit<SimulatorOptions, 'clock'> & {
  startMs: number;
};
const { startMs, ...options } = input;
const sim = await startSimulator({ ...options, port: 0, clock: new ManualClock(startMs) });
let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  void sim.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.stdout.write(`${JSON.stringify({ url: sim.url, pid: process.pid })}\n`);
