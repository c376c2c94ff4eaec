/**
 * The BullMQ worker that runs poll jobs with a {@link PollProcessor}. Graceful shutdown: `close()`
 * stops taking jobs and waits for the ones in flight to finish at their next page boundary (each
 * ends in a commit or in nothing;
 * either way nothing is lost, and a job cut off by SIGKILL is retried by BullMQ's stalled-job check
 * while its claim's lease keeps the resource from being claimed again meanwhile).
 */
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { bullPrefix, POLL_QUEUE, PollJobDataSchema } from './jobs.js';
import type { PollLogger, PollOutcome, PollProcessor } from './poll-processor.js';

/** Options of {@link PollWorker}. */
export interface PollWorkerOptions {
  processor: PollProcessor;
  /** BullMQ connection (a dedicated connection: BullMQ blocks on it). */
  connection: ConnectionOptions;
  /** Deployment key prefix. @defaultValue 'ep' */
  prefix?: string;
  /** Jobs run at once in this process. @defaultValue 10 */
  concurrency?: number;
  /** BullMQ job lock duration. @defaultValue 60_000 */
  lockDurationMs?: number;
  /** How often this worker moves stalled jobs (their lock lapsed) back to waiting. @defaultValue 30_000 */
  stalledIntervalMs?: number;
  logger?: PollLogger;
  /** Called after each job (tests, progress displays). */
  onOutcome?: (outcome: PollOutcome, data: { stateId: string; platform: string }) => void;
}

/** Runs poll jobs from the poll queue. */
export class PollWorker {
  readonly worker: Worker;
  readonly #processor: PollProcessor;

  constructor(options: PollWorkerOptions) {
    const { processor, logger, onOutcome } = options;
    this.#processor = processor;
    this.worker = new Worker(
      POLL_QUEUE,
      async (job: Job) => {
        const parsed = PollJobDataSchema.safeParse(job.data);
        if (!parsed.success) {
          // A malformed job can never succeed: drop it loudly rather than retry it forever.
          logger?.error(
            { jobId: job.id, issues: parsed.error.issues },
            'malformed poll job dropped',
          );
          return { kind: 'skipped', reason: 'missing' } satisfies PollOutcome;
        }
        const outcome = await processor.process(parsed.data, job.id ?? `anon-${job.timestamp}`);
        onOutcome?.(outcome, parsed.data);
        return outcome;
      },
      {
        connection: options.connection,
        prefix: bullPrefix(options.prefix ?? 'ep'),
        concurrency: options.concurrency ?? 10,
        lockDuration: options.lockDurationMs ?? 60_000,
        stalledInterval: options.stalledIntervalMs ?? 30_000,
        autorun: false,
      },
    );
    this.worker.on('failed', (job, err) => {
      logger?.error({ jobId: job?.id, err: err.message }, 'poll job failed');
    });
    this.worker.on('error', (err) => {
      logger?.error({ err: err.message }, 'poll worker error');
    });
  }

  /** Start taking jobs (returns at once). */
  start(): void {
    void this.worker.run().catch((err: unknown) => {
      reportRunFailure(err);
    });
  }

  /** True while the worker takes jobs. */
  isRunning(): boolean {
    return this.worker.isRunning();
  }

  /** Stop taking jobs and wait for the ones in flight, which stop at their next page boundary. */
  async close(): Promise<void> {
    this.#processor.stopWalks();
    await this.worker.close();
  }
}

function reportRunFailure(err: unknown): void {
  // run() only rejects on a programming error (e.g. started twice); surface it.
  process.emitWarning(`poll worker stopped: ${err instanceof Error ? err.message : String(err)}`);
}
