/**
 * Operator commands over the polling state, straight through the store (not the admin API):
 * register, unregister, status, resume and poll-now. Each takes the services a runtime hands over
 * and returns its exit code.
 */
import { readFileSync } from 'node:fs';
import { CorruptStateError, ValidationError } from '../../domain/errors.js';
import { validateResourceRef, type ValidResourceRef } from '../../domain/resource.js';
import { PLATFORMS, type Platform, type ResourceType } from '../../domain/platform.js';
import {
  isSchedulable,
  resumePollingState,
  type PollingState,
} from '../../domain/polling-state.js';
import type { Runtime } from '../../runtime/runtime.js';
import { CliExit, EXIT_USAGE, type CliIo } from '../io.js';

/** What the resource commands use of a runtime. */
export type ResourceServices = Pick<Runtime, 'store' | 'scheduler' | 'clock'>;

/** A resource as given on the command line. */
export interface ResourceArgs {
  client: string;
  platform: string;
  type: string;
  id?: string | undefined;
}

function refOf(args: ResourceArgs) {
  return {
    clientId: args.client,
    platform: args.platform as Platform,
    resourceType: args.type as ResourceType,
    ...(args.id !== undefined ? { resourceId: args.id } : {}),
  };
}

function describe(state: PollingState): string {
  return `${state.platform}/${state.resourceType}${state.resourceId === undefined ? '' : ` ${state.resourceId}`}`;
}

/** `register`: idempotent; says whether it was new. */
export async function registerResource(
  services: ResourceServices,
  args: ResourceArgs,
  io: CliIo,
): Promise<number> {
  const { created, state } = await services.scheduler.registerPollableResource(refOf(args));
  io.out(
    `${created ? 'registered' : 'already registered'} ${describe(state)} for ${state.clientId}: ${state.id}\n`,
  );
  return 0;
}

/**
 * `register --file F`: every resource of a JSON file (`[ref, …]` or `{ "resources": [ref, …] }`,
 * as `simulator --resources-file` writes it; a ref is `{ clientId, platform, resourceType,
 * resourceId? }`). All are validated first: one invalid entry registers none, and every invalid
 * entry is named. Idempotent, like `register`.
 */
export async function registerResourcesFromFile(
  services: ResourceServices,
  file: string,
  io: CliIo,
): Promise<number> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof SyntaxError ? 'is not JSON' : 'cannot be read';
    throw new CliExit(EXIT_USAGE, `${file} ${why}`);
  }
  const list = Array.isArray(value) ? value : (value as { resources?: unknown } | null)?.resources;
  if (!Array.isArray(list)) {
    throw new CliExit(
      EXIT_USAGE,
      `${file}: expected [resource, …] or { "resources": [resource, …] }`,
    );
  }
  const refs: ValidResourceRef[] = [];
  const problems: string[] = [];
  list.forEach((entry, i) => {
    try {
      refs.push(validateResourceRef(entry));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      problems.push(
        ...err.issues.map((issue) => `${file}: resources[${i}].${issue.field} ${issue.reason}`),
      );
    }
  });
  if (problems.length > 0) {
    throw new CliExit(EXIT_USAGE, `nothing registered:\n${problems.join('\n')}`);
  }
  let created = 0;
  for (let i = 0; i < refs.length; i += 100) {
    const results = await Promise.all(
      refs.slice(i, i + 100).map((ref) => services.scheduler.registerPollableResource(ref)),
    );
    created += results.filter((r) => r.created).length;
  }
  io.out(
    `registered ${created} new, ${refs.length - created} already registered (${refs.length} in ${file})\n`,
  );
  return 0;
}

/** `unregister`: by state id, or by the resource's identity. Exit 1 when it was not registered. */
export async function unregisterResource(
  services: ResourceServices,
  args: Partial<ResourceArgs> & { client: string; state?: string | undefined },
  io: CliIo,
): Promise<number> {
  let removed: boolean;
  if (args.state !== undefined) {
    removed = await services.store.deleteForClient(args.client, args.state);
  } else if (args.platform !== undefined && args.type !== undefined) {
    removed = await services.scheduler.unregisterPollableResource(refOf(args as ResourceArgs));
  } else {
    throw new CliExit(EXIT_USAGE, 'give --state, or --platform and --type (and --id)');
  }
  io.out(removed ? 'unregistered\n' : 'not registered\n');
  return removed ? 0 : 1;
}

function iso(date: Date | null): string {
  return date === null ? '-' : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Lines of a plain-text table, columns padded to their widest cell. */
export function formatTable(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** `status`: a table of a client's resources (or JSON). */
export async function showStatus(
  services: ResourceServices,
  args: { client: string; platform?: string | undefined; json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  if (args.platform !== undefined && !(PLATFORMS as readonly string[]).includes(args.platform)) {
    throw new CliExit(EXIT_USAGE, `--platform must be one of ${PLATFORMS.join(', ')}`);
  }
  const { states, corrupt } = await services.store.listClientStates(
    args.client,
    args.platform as Platform | undefined,
  );
  states.sort((a, b) => describe(a).localeCompare(describe(b)));
  if (args.json === true) {
    const corruptRows = corrupt.map((c) => ({
      id: c.stateId,
      platform: c.platform,
      status: 'corrupt',
      reason: c.reason,
      key: c.key,
    }));
    io.out(`${JSON.stringify({ resources: states, corrupt: corruptRows }, null, 2)}\n`);
    return 0;
  }
  if (states.length === 0 && corrupt.length === 0) {
    io.out(`no resources registered for ${args.client}\n`);
    return 0;
  }
  // A corrupt state is a row too (status `corrupt`, the reason and key as its last error): the
  // table never comes out silently shorter than what is registered.
  const corruptRows = corrupt.map((c) => [
    c.stateId,
    c.platform ?? '?',
    '?',
    '-',
    'corrupt',
    '-',
    '-',
    '-',
    '-',
    `${c.reason} (key ${c.key})`,
  ]);
  const rows = states.map((s) => [
    s.id,
    s.platform,
    s.resourceType,
    truncate(s.resourceId ?? '-', 40),
    s.status,
    truncate(s.cursor ?? '-', 24),
    iso(s.lastPolledAt),
    iso(s.nextPollAt),
    String(s.consecutiveErrors),
    // The class and the message: a paused state's reason (a corrupt ledger, say) has no class.
    s.lastError === null
      ? (s.lastErrorCode ?? '-')
      : `${s.lastErrorCode ?? 'error'}: ${truncate(s.lastError, 80)}`,
  ]);
  rows.push(...corruptRows);
  const header = [
    'STATE',
    'PLATFORM',
    'TYPE',
    'RESOURCE',
    'STATUS',
    'CURSOR',
    'LAST POLL',
    'NEXT POLL',
    'ERRORS',
    'LAST ERROR',
  ];
  io.out(`${formatTable(header, rows).join('\n')}\n`);
  if (corrupt.length > 0) {
    io.out(
      `\n${corrupt.length} corrupt state${corrupt.length === 1 ? '' : 's'} (not polled): remove with ` +
        `\`engagement-poller unregister --client ${args.client} --state <STATE>\`\n`,
    );
  }
  return 0;
}

/** The client's state; a corrupt one ends the command saying what, where, and how to remove it. */
async function getOrExplain(
  services: ResourceServices,
  clientId: string,
  stateId: string,
): Promise<PollingState | null> {
  try {
    return await services.store.getForClient(clientId, stateId);
  } catch (err) {
    if (!(err instanceof CorruptStateError)) throw err;
    throw new CliExit(
      1,
      `${err.message}\nthe resource is not polled; remove it with: engagement-poller unregister --client ${clientId} --state ${stateId}`,
    );
  }
}

/** Read-modify-write of one of the client's states, retried when it changes meanwhile. */
async function updateState(
  services: ResourceServices,
  clientId: string,
  stateId: string,
  change: (state: PollingState, now: Date) => PollingState,
): Promise<PollingState> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const state = await getOrExplain(services, clientId, stateId);
    if (state === null) throw new CliExit(1, `no resource ${stateId} for client ${clientId}`);
    const next = change(state, new Date(services.clock.now()));
    if ((await services.store.saveIfVersion(next, state.version)) === 'saved') return next;
  }
  throw new CliExit(1, 'the resource kept changing while it was being updated; retry');
}

/** `resume`: a `needs_reauth`, `paused` or backing-off resource is polled again at once. */
export async function resumeResource(
  services: ResourceServices,
  args: { client: string; state: string },
  io: CliIo,
): Promise<number> {
  const resumed = await updateState(services, args.client, args.state, (state, now) => {
    if (state.status === 'active') {
      throw new CliExit(1, 'the resource is active; nothing to resume (use poll-now)');
    }
    return resumePollingState(state, now);
  });
  io.out(`resumed ${describe(resumed)}: ${resumed.status}, next poll ${iso(resumed.nextPollAt)}\n`);
  return 0;
}

/** `poll-now`: due at once (version-guarded: a poll in flight then emits nothing twice). */
export async function pollResourceNow(
  services: ResourceServices,
  args: { client: string; state: string },
  io: CliIo,
): Promise<number> {
  const due = await updateState(services, args.client, args.state, (state, now) => {
    if (!isSchedulable(state)) {
      throw new CliExit(1, `the resource is ${state.status} and is not polled; resume it first`);
    }
    return { ...state, nextPollAt: now, version: state.version + 1, updatedAt: now };
  });
  io.out(`${describe(due)} is due now (${iso(due.nextPollAt)})\n`);
  return 0;
}
