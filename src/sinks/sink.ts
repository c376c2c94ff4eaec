/**
 * The sink contract: where the outbox relay delivers events. Delivery is at least once; each event
 * carries its stable id, which sinks use (or hand on) as the idempotency key.
 */
import type { PollEvent } from '../domain/poll-event.js';

/** One delivery target. */
export interface Sink {
  /** Short name for metrics and logs. */
  readonly name: string;
  /**
   * Deliver a batch. Resolve when every event is durably handed over (or dead-lettered by the sink's
   * own policy); reject to have the relay retry the batch later. A rejection whose error has
   * `handled: readonly string[]` (ids of the events already handed over or dead-lettered) has those
   * acknowledged, so that only the rest is delivered again.
   */
  deliver(events: readonly PollEvent[]): Promise<void>;
  /**
   * Shutting down: make a delivery in progress give up soon (it rejects, so the relay leaves its
   * batch pending for the next relay) instead of waiting out retries. The sink is not used again.
   */
  abort?(): void;
  /** Release resources. */
  close?(): Promise<void>;
}
