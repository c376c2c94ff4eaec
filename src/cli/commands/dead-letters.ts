/**
 * `dead-letters`: list the events the webhook sink gave up on (newest first), or `--replay` them
 * to the configured webhook (oldest first; see WebhookDeadLetters).
 */
import type { Runtime } from '../../runtime/runtime.js';
import { CliExit, EXIT_USAGE, type CliIo } from '../io.js';

/** Options of the `dead-letters` command. */
export interface DeadLetterArgs {
  limit: number;
  json?: boolean | undefined;
  replay?: boolean | undefined;
}

/** List or replay the dead letters. Returns the exit code. */
export async function deadLetters(
  rt: Pick<Runtime, 'deadLetters'>,
  args: DeadLetterArgs,
  io: CliIo,
): Promise<number> {
  const dl = rt.deadLetters;
  if (args.replay === true) {
    if (!dl.canReplay) {
      throw new CliExit(
        EXIT_USAGE,
        'replay needs the webhook: set EP_WEBHOOK_URL and EP_WEBHOOK_SECRET',
      );
    }
    const r = await dl.replay(args.limit);
    if (r.unreadable > 0)
      io.err(`passed over ${r.unreadable} unreadable entry(ies), left in ${dl.key}\n`);
    if (r.refused !== null)
      io.err(`the webhook refused ${r.refused.eventId}: ${r.refused.reason}\n`);
    io.out(`${r.replayed} replayed; ${r.left} left in ${dl.key}\n`);
    return r.refused === null ? 0 : 1;
  }
  const { total, entries } = await dl.list(args.limit);
  if (args.json === true) {
    const rows = entries.map((e) => ({ at: e.at, reason: e.reason, event: e.event }));
    io.out(`${JSON.stringify({ total, entries: rows }, null, 2)}\n`);
    return 0;
  }
  const shown = total > entries.length ? ` (newest ${entries.length} shown)` : '';
  io.out(`${total} dead-lettered event(s) in ${dl.key}${shown}\n`);
  for (const e of entries)
    io.out(`${e.at || '?'}  ${e.event?.id ?? '(unreadable)'}  ${e.reason}\n`);
  return 0;
}
