/**
 * A poll-worker process for the crash and multi-process tests, run as
 * `node --import tsx test/helpers/worker-process.ts <config.json> <simulator base URL>`
 * (the credentials file is named by the config's `credentials.file`); the tests run it compiled to
 * JavaScript (`buildWorkerEntry` in `worker-processes.ts`) because it starts several times faster. It starts
 * `startRuntime({ roles: { worker: true } })`, prints `ready` on stdout once BullMQ takes jobs, and
 * handles signals with the product's own `installSignalHandlers` (as `engagement-poller worker`
 * does): SIGTERM closes gracefully (jobs in flight finish) and exits 0, a second signal exits 1 at
 * once. SIGKILL is what the tests use to crash it.
 *
 * Clock: everything runs on the system clock. The workers are separate processes, so they cannot
 * share a ManualClock with the test; and the rate limiter, the states' times, BullMQ's lock and
 * stalled checks and the simulator's rate-limit windows must all agree on one time, or the
 * simulator would count requests over a limit that the limiter never granted. So the simulator runs
 * in the test process on the system clock too, with traffic rates high enough (thousands of items
 * per hour) and polling intervals short enough (seconds) that a run of tens of seconds is busy.
 * Correctness assertions (exactly once, no request over a limit) do not depend on timing; only how
 * much work a run does does, and the tests assert on that with generous floors.
 */
import { loadConfig } from '../../src/config/load-config.js';
import { installSignalHandlers, startRuntime } from '../../src/runtime/runtime.js';

const [configFile, platformBaseUrl] = process.argv.slice(2);
if (configFile === undefined || platformBaseUrl === undefined) {
  process.stderr.write('usage: worker-process.ts <config.json> <simulator base URL>\n');
  process.exit(2);
}

const config = loadConfig({ env: {}, file: configFile });
const runtime = await startRuntime({ config, roles: { worker: true }, platformBaseUrl });
// BullMQ connects in the background; wait until the worker actually takes jobs.
await runtime.worker?.worker.waitUntilReady();
// The product's graceful shutdown, exactly as the role commands install it (src/cli/commands/roles.ts).
installSignalHandlers(runtime);
process.stdout.write('ready\n');
