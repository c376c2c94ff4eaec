/**
 * A sink that POSTs each event to a webhook, signed with HMAC-SHA256, retried with exponential
 * backoff. An event the endpoint still refuses after `maxAttempts` attempts (counted across
 * delivery rounds) goes to a dead-letter list (a callback the runtime backs with Redis), but only
 * once the endpoint has accepted the next event of the batch, or (alone in its batch) any event
 * since this one first failed: an endpoint that refuses everything (down, wrong
 * URL, wrong secret) is an outage, not a bad event, so the batch is handed back to the relay (it
 * stays pending in the outbox) and the sink pauses, failing fast, for a growing interval instead of
 * dead-lettering the whole backlog one event at a time.
 *
 * Headers: `Content-Type: application/json`, `Idempotency-Key: <event id>`,
 * `X-Engagement-Timestamp: <unix s>`, `X-Engagement-Signature: sha256=<hex HMAC of "<ts>.<body>">`.
 */
import { createHmac } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { PollEvent } from '../domain/poll-event.js';
import type { Sink } from './sink.js';

/** Options of {@link WebhookSink}. */
export interface WebhookSinkOptions {
  url: string;
  /** HMAC key. */
  secret: string;
  /** Failed attempts per event, across rounds, before it may be dead-lettered. @defaultValue 8 */
  maxAttempts?: number;
  /** Attempts per event within one delivery round. @defaultValue 3 */
  attemptsPerRound?: number;
  /** First retry delay within a round; doubles each attempt. @defaultValue 500 */
  baseDelayMs?: number;
  /** Pause after a failed round; doubles with each consecutive failed round. @defaultValue 1_000 */
  pauseMs?: number;
  /** Longest pause. @defaultValue 60_000 */
  maxPauseMs?: number;
  /** Per-request timeout. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Where events that could not be delivered go. */
  deadLetter: (event: PollEvent, reason: string) => Promise<void>;
  /** Waits between attempts (injected in tests). @defaultValue setTimeout */
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /** Milliseconds since the epoch (pauses). @defaultValue Date.now */
  nowMs?: () => number;
  /** Seconds since the epoch (the signed timestamp). @defaultValue nowMs()/1000 */
  nowS?: () => number;
}

/**
 * The webhook refused a batch, or the sink is pausing after it did: the relay keeps the batch
 * pending and retries it later. `quiet` marks the fail-fast refusals during a pause, which need no
 * log line of their own.
 */
export class WebhookUnavailableError extends Error {
  override readonly name = 'WebhookUnavailableError';
  constructor(
    message: string,
    readonly quiet: boolean,
    /** Ids of the batch's events delivered or dead-lettered before the refusal. */
    readonly handled: readonly string[] = [],
    /** The endpoint's answer to the refused event (`HTTP 503`, a network error), when one was. */
    readonly answer: string | null = null,
  ) {
    super(message);
  }
}

function stopping(handled: readonly string[] = []): WebhookUnavailableError {
  return new WebhookUnavailableError(
    'webhook sink stopping: the rest stays pending',
    true,
    handled,
  );
}

/** The list of events the webhook sink gave up on: `<prefix>:webhook-dead-letter`. */
export function webhookDeadLetterKey(prefix: string): string {
  return `${prefix}:webhook-dead-letter`;
}

/** Signature of a webhook body: hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function signWebhookBody(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
}

/** Failure counts are kept for this many events at most (the oldest are forgotten). */
const MAX_TRACKED = 10_000;

type Attempt = { ok: true } | { ok: false; attempts: number; reason: string; permanent: boolean };

/** Delivers events to a webhook. */
export class WebhookSink implements Sink {
  readonly name = 'webhook';
  readonly #o: WebhookSinkOptions;
  readonly #fetch: typeof fetch;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #nowMs: () => number;
  /** Failed attempts so far of events not yet delivered, and when the first failed. */
  readonly #failures = new Map<string, { count: number; firstFailedMs: number }>();
  /** When the endpoint last accepted an event. */
  #lastAcceptedMs = -1;
  readonly #stop = new AbortController();
  #pausedUntilMs = 0;
  #failedRounds = 0;
  #lastReason = '';

  constructor(options: WebhookSinkOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    // The default wait is cancelled by abort(), so no timer outlives a shutdown.
    this.#sleep =
      options.sleep ??
      ((ms) => delay(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined));
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /** Give up a delivery in progress: requests and waits are cut short, and it rejects. */
  abort(): void {
    this.#stop.abort();
  }

  async deliver(events: readonly PollEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (this.#stop.signal.aborted) throw stopping();
    if (this.#nowMs() < this.#pausedUntilMs) {
      throw new WebhookUnavailableError(
        `webhook paused until ${new Date(this.#pausedUntilMs).toISOString()} after ${this.#failedRounds} failed round(s): ${this.#lastReason}`,
        true,
      );
    }
    const max = this.#o.maxAttempts ?? 8;
    const handled: string[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as PollEvent;
      const result = await this.#attempt(event, this.#o.attemptsPerRound ?? 3);
      if (result.ok) {
        this.#delivered(event);
        handled.push(event.id);
        continue;
      }
      if (this.#stop.signal.aborted) throw stopping(handled);
      // A permanent refusal (a 4xx) will not get better by retrying: it counts as all attempts.
      const before = this.#failures.get(event.id);
      const total = result.permanent ? max : (before?.count ?? 0) + result.attempts;
      const firstFailedMs = before?.firstFailedMs ?? this.#nowMs();
      this.#track(event.id, total, firstFailedMs);
      if (total >= max) {
        // A bad event or an outage? If the endpoint takes other events, this one is bad: the next
        // event of the batch is tried once; without one, any event accepted since this one first
        // failed tells (an event alone in its batch, on a quiet partition, is not held forever).
        const next = events[i + 1];
        const probe = next === undefined ? null : await this.#attempt(next, 1);
        if (next !== undefined && probe?.ok === true) {
          await this.#o.deadLetter(
            event,
            `${result.reason} (${total} failed attempts; the endpoint accepted the next event)`,
          );
          this.#failures.delete(event.id);
          this.#delivered(next);
          handled.push(event.id, next.id);
          i++;
          continue;
        }
        if (this.#stop.signal.aborted) throw stopping(handled);
        if (next === undefined && this.#lastAcceptedMs > firstFailedMs) {
          await this.#o.deadLetter(
            event,
            `${result.reason} (${total} failed attempts; the endpoint has accepted other events since)`,
          );
          this.#failures.delete(event.id);
          handled.push(event.id);
          continue;
        }
        if (next !== undefined) {
          const n = this.#failures.get(next.id);
          this.#track(next.id, (n?.count ?? 0) + 1, n?.firstFailedMs ?? this.#nowMs());
        }
      }
      this.#pause(`${event.id}: ${result.reason}`);
      throw new WebhookUnavailableError(
        `webhook refused ${event.id} (${result.reason}; ${total} failed attempt(s) so far); pausing until ${new Date(this.#pausedUntilMs).toISOString()}`,
        false,
        handled,
        result.reason,
      );
    }
  }

  #delivered(event: PollEvent): void {
    this.#failures.delete(event.id);
    this.#failedRounds = 0;
    this.#lastAcceptedMs = this.#nowMs();
  }

  #track(eventId: string, count: number, firstFailedMs: number): void {
    this.#failures.delete(eventId);
    this.#failures.set(eventId, { count, firstFailedMs });
    if (this.#failures.size > MAX_TRACKED) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  #pause(reason: string): void {
    this.#failedRounds++;
    this.#lastReason = reason;
    const base = this.#o.pauseMs ?? 1_000;
    const pause = Math.min(base * 2 ** (this.#failedRounds - 1), this.#o.maxPauseMs ?? 60_000);
    this.#pausedUntilMs = this.#nowMs() + pause;
  }

  /** A retry wait that ends early when the sink is aborted. */
  async #interruptibleSleep(ms: number): Promise<void> {
    const signal = this.#stop.signal;
    if (signal.aborted) return;
    let onAbort = (): void => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.#sleep(ms), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  async #attempt(event: PollEvent, attempts: number): Promise<Attempt> {
    const body = JSON.stringify(event);
    let reason = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (this.#stop.signal.aborted) break; // stopping: no new request
      const ts = Math.floor(this.#o.nowS?.() ?? this.#nowMs() / 1000);
      // A request's own controller, timer and stop link, all released in `finally`. Not
      // AbortSignal.any([AbortSignal.timeout(…), stop]): on Node 20 the timeout signal inside it can
      // be garbage-collected and never fire (nodejs/node#57736), leaving a hung request hung.
      const request = new AbortController();
      const onStop = (): void => request.abort(this.#stop.signal.reason);
      this.#stop.signal.addEventListener('abort', onStop, { once: true });
      const timeoutMs = this.#o.timeoutMs ?? 10_000;
      const timer = setTimeout(
        () => request.abort(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
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
          signal: request.signal,
        });
        await res.body?.cancel();
        if (res.ok) return { ok: true };
        reason = `HTTP ${res.status}`;
        if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
          return { ok: false, attempts: attempt, reason, permanent: true };
        }
      } catch (err) {
        reason = err instanceof Error ? err.message : String(err);
        if (request.signal.aborted && request.signal.reason instanceof Error) {
          reason = request.signal.reason.message;
        }
      } finally {
        clearTimeout(timer);
        this.#stop.signal.removeEventListener('abort', onStop);
      }
      if (this.#stop.signal.aborted) break;
      if (attempt < attempts) {
        await this.#interruptibleSleep((this.#o.baseDelayMs ?? 500) * 2 ** (attempt - 1));
      }
    }
    return { ok: false, attempts, reason, permanent: false };
  }
}
