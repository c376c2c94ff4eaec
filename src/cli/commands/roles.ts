/**
 * `start`, `scheduler`, `worker`, `relay` and `api`: run roles of the service in this process until
 * SIGTERM or SIGINT (graceful: no job is cut off; a second signal exits at once).
 */
import type { Config } from '../../config/config-schema.js';
import {
  installSignalHandlers,
  redactUrl,
  redisUrlOf,
  startRuntime,
  type Roles,
} from '../../runtime/runtime.js';
import type { CliIo } from '../io.js';

/** The roles each command runs. */
export const ROLE_COMMANDS: Readonly<Record<string, { roles: Roles; summary: string }>> = {
  start: {
    roles: { scheduler: true, worker: true, relay: true, api: true },
    summary: 'run scheduler, workers, outbox relay and admin API in one process',
  },
  scheduler: { roles: { scheduler: true }, summary: 'run only the scheduler (claims due polls)' },
  worker: { roles: { worker: true }, summary: 'run only poll workers (scale these out)' },
  relay: {
    roles: { relay: true },
    summary: 'run only the outbox relay (delivers events to sinks)',
  },
  api: { roles: { api: true }, summary: 'run only the admin API' },
};

/** Start the roles and keep running until a signal stops the process. */
export async function runRoles(config: Config, roles: Roles, io: CliIo): Promise<void> {
  const runtime = await startRuntime({ config, roles });
  installSignalHandlers(runtime);
  const names = Object.entries(roles)
    .filter(([, on]) => on === true)
    .map(([name]) => name);
  io.err(
    `engagement-poller running ${names.join(', ')} on ${redactUrl(redisUrlOf(config))} (prefix ${config.redis.prefix})` +
      `${runtime.apiUrl === null ? '' : `; admin API at ${runtime.apiUrl}`}; Ctrl-C to stop\n`,
  );
}
