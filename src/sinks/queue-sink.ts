/**
 * A sink that adds each event to a BullMQ queue (default `engagement-events`) for downstream
 * processing, with the event's stable id as the job id: BullMQ ignores an add whose id exists, so a
 * redelivery is not a second job while the first is kept (`removeOnComplete` keeps ids a day).
 */
import { Queue, type ConnectionOptions } from 'bullmq';
import type { PollEvent } from '../domain/poll-event.js';
import type { Sink } from './sink.js';

/** Options of {@link QueueSink}. */
export interface QueueSinkOptions {
  connection: ConnectionOptions;
  /** @defaultValue 'engagement-events' */
  queueName?: string;
  /** BullMQ key prefix. */
  prefix: string;
  /** How long completed event jobs (and so their ids) are kept. @defaultValue 86_400 */
  keepCompletedSeconds?: number;
}

/**
 * The queue job id of an event: `ev-` and the event id with `%` and `:` percent-encoded (BullMQ job
 * ids may not contain ':'). The encoding is one-to-one, so two events never share a job id.
 */
export function queueJobIdOf(eventId: string): string {
  return `ev-${eventId.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

/** Adds events to a BullMQ queue. */
export class QueueSink implements Sink {
  readonly name = 'queue';
  readonly queue: Queue;
  readonly #keepS: number;

  constructor(options: QueueSinkOptions) {
    this.queue = new Queue(options.queueName ?? 'engagement-events', {
      connection: options.connection,
      prefix: options.prefix,
    });
    this.#keepS = options.keepCompletedSeconds ?? 86_400;
  }

  async deliver(events: readonly PollEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.queue.addBulk(
      events.map((event) => ({
        name: event.eventType,
        data: event,
        opts: {
          jobId: queueJobIdOf(event.id),
          removeOnComplete: { age: this.#keepS },
        },
      })),
    );
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
