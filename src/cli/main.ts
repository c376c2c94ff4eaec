/**
 * Command-line entry point: `engagement-poller <command>` (see `--help`). Long-running commands
 * (the roles, the simulator) keep the process alive until a signal; the others set the exit code.
 */
import { processIo } from './io.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
