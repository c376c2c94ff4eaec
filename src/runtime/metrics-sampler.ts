/**
 * Samples the gauges that describe backlog rather than events: due states not yet claimed and the
 * age of the oldest one per platform, and the outbox length. Runs on a timer in the process that
 * serves /metrics; each sample costs 2·P + P Redis commands in two pipelines, whatever is registered.
 */
import type { Clock } from '../domain/clock.js';
import { PLATFORMS } from '../domain/platform.js';
import type { Metrics } from '../metrics/metrics.js';
import type { PollingStateStore } from '../store/polling-state-store.js';

/** Options of {@link MetricsSampler}. */
export interface MetricsSamplerOptions {
  store: PollingStateStore;
  metrics: Metrics;
  clock: Clock;
  /** Reads the outbox length (the relay's `length()`), when known. */
  outboxLength?: () => Promise<number>;
  /** @defaultValue 5_000 */
  intervalMs?: number;
  logger?: { warn(obj: object, msg?: string): void };
}

/** Periodically refreshes the backlog gauges. */
export class MetricsSampler {
  readonly #o: MetricsSamplerOptions;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> | null = null;

  constructor(options: MetricsSamplerOptions) {
    this.#o = options;
  }

  /** Take one sample now. */
  async sample(): Promise<void> {
    const { store, metrics, clock } = this.#o;
    const now = new Date(clock.now());
    for (const platform of PLATFORMS) {
      const { count, oldestDueAtMs } = await store.countDue(platform, now);
      metrics.dueBacklog.set({ platform }, count);
      metrics.oldestDueAgeSeconds.set(
        { platform },
        oldestDueAtMs === null ? 0 : Math.max(0, (now.getTime() - oldestDueAtMs) / 1000),
      );
    }
    if (this.#o.outboxLength !== undefined) metrics.outboxLength.set(await this.#o.outboxLength());
  }

  /** Sample every intervalMs until stopped. */
  start(): void {
    if (this.#timer !== null) return;
    const tick = (): void => {
      this.#inFlight = this.sample().catch((err: unknown) => {
        this.#o.logger?.warn({ err: (err as Error).message }, 'metrics sample failed');
      });
    };
    tick();
    this.#timer = setInterval(tick, this.#o.intervalMs ?? 5_000);
    this.#timer.unref();
  }

  /** Stop sampling. */
  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#inFlight;
  }
}
