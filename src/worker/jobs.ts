/**
 * The BullMQ job catalogue: queue names and payload schemas, written down once. Job data never
 * carries a token or any client content: only ids.
 */
import { z } from 'zod';
import { PlatformSchema } from '../domain/platform.js';
import { STATE_ID_PATTERN } from '../domain/resource.js';

/** The queue of poll jobs. */
export const POLL_QUEUE = 'engagement-poll';
/** The job name of a poll. */
export const POLL_JOB = 'poll';

/** Payload of a poll job. */
export const PollJobDataSchema = z.strictObject({
  stateId: z.string().regex(STATE_ID_PATTERN),
  platform: PlatformSchema,
  /** The claim's lease end (epoch ms); with the state id it names the job. */
  leaseUntilMs: z.number().int().nonnegative(),
  /** Poll even if the state is not due (an operator's "poll now"). */
  force: z.boolean().optional(),
});
/** Payload of a poll job. */
export type PollJobData = z.infer<typeof PollJobDataSchema>;

/**
 * The id of the poll job for one claim of one state: its id, the version it was claimed at and the
 * lease end. Distinct per claim, so a completed job never blocks the next poll of the same resource
 * (even a walk re-claimed within the same millisecond has moved on a version), and one claim
 * enqueued twice is one job.
 */
export function pollJobId(stateId: string, version: number, leaseUntilMs: number): string {
  return `poll-${stateId}-${version}-${leaseUntilMs}`;
}

/**
 * BullMQ key prefix for a deployment prefix. The braces make it a Redis Cluster hash tag, so each
 * queue's keys share a slot, as BullMQ requires on a Cluster.
 */
export function bullPrefix(prefix: string): string {
  return `{${prefix}:bull}`;
}
