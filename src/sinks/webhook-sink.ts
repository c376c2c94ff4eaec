/**
 * A sink that POSTs each event to a webhook, signed with HMAC-SHA256, retried with exponential
 * backoff; after `maxAttempts` failures the event goes to a dead-letter list (a callback the
 * runtime backs with Redis) and delivery moves on, so one dead endpoint cannot stall the outbox.
 *
 * Headers: `Content-Type: application/json`, `Idempotency-Key: <event id>`,
 * `X-Engagement-Timestamp: <unix s>`, `X-Engagement-Signature: sha256=<hex HMAC of "<ts>.<body>">`.
 */
import { createHmac } from 'node:crypto';
import type { PollEvent } from '../domain/poll-event.js';
import type { Sink } from './sink.js';

/** Options of {@link WebhookSink}. */
export interface WebhookSinkOptions {
  url: string;
  /** HMAC key. */
  secret: string;
  /** Attempts per event before dead-lettering. @defaultValue 8 */
  maxAttempts?: number;
  /** First retry delay; doubles each attempt. @defaultValue 500 */
  baseDelayMs?: number;
  /** Per-request timeout. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Where events that could not be delivered go. */
  deadLetter: (event: PollEvent, reason: string) => Promise<void>;
  /** Waits between attempts (injected in tests). @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Seconds since the epoch. @defaultValue Date.now()/1000 */
  nowS?: () => number;
}

/** Signature of a webhook body: hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function signWebhookBody(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
}

/** Delivers events to a webhook. */
export class WebhookSink implements Sink {
  readonly name = 'webhook';
  readonly #o: WebhookSinkOptions;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: WebhookSinkOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async deliver(events: readonly PollEvent[]): Promise<void> {
    for (const event of events) await this.#deliverOne(event);
  }

  async #deliverOne(event: PollEvent): Promise<void> {
    const max = this.#o.maxAttempts ?? 8;
    const body = JSON.stringify(event);
    let lastReason = '';
    for (let attempt = 1; attempt <= max; attempt++) {
      const ts = Math.floor(this.#o.nowS?.() ?? Date.now() / 1000);
      try {
        const res = await this.#fetch(this.#o.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': event.id,
            'x-engagement-timestamp': String(ts),
            'x-engagement-signature': `sha256=${signWebhookBody(this.#o.secret, ts, body)}`,
          },
          body,
          signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
        });
        await res.body?.cancel();
        if (res.ok) return;
        lastReason = `HTTP ${res.status}`;
        // A 4xx other than 408/429 will not get better by retrying.
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429)
          break;
      } catch (err) {
        lastReason = err instanceof Error ? err.message : String(err);
      }
      if (attempt < max) await this.#sleep((this.#o.baseDelayMs ?? 500) * 2 ** (attempt - 1));
    }
    await this.#o.deadLetter(event, lastReason);
  }
}
