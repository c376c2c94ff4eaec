/**
 * The webhook's dead letters (`<prefix>:webhook-dead-letter`, newest first): list them, and replay
 * them to the webhook, oldest first. A replayed entry leaves the list only after the webhook
 * accepted it (a crash in between posts it again: at least once, the event id its idempotency key);
 * a replay stops at the first refusal, and unreadable entries are left for a person to look at.
 */
import type { Redis } from 'ioredis';
import { PollEventSchema, type PollEvent } from '../domain/poll-event.js';
import { webhookDeadLetterKey, WebhookSink, WebhookUnavailableError } from './webhook-sink.js';

/** One dead letter; `event` is null when the entry cannot be read. */
export interface DeadLetter {
  raw: string;
  event: PollEvent | null;
  reason: string;
  at: string;
}

/** Outcome of {@link WebhookDeadLetters.replay}. */
export interface ReplayResult {
  replayed: number;
  /** Entries still in the list. */
  left: number;
  /** Unreadable entries passed over. */
  unreadable: number;
  /** The refusal that stopped the replay, if one did. */
  refused: { eventId: string; reason: string } | null;
}

/** Options of {@link WebhookDeadLetters}. */
export interface WebhookDeadLettersOptions {
  redis: Redis;
  prefix: string;
  /** The webhook to replay to; null when none is configured. */
  webhook: { url: string; secret: string; maxAttempts?: number } | null;
}

function parseEntry(raw: string): DeadLetter {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { raw, event: null, reason: 'unreadable entry', at: '' };
  }
  const o = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const parsed = PollEventSchema.safeParse(o['event']);
  return {
    raw,
    event: parsed.success ? parsed.data : null,
    reason: typeof o['reason'] === 'string' ? o['reason'] : '',
    at: typeof o['at'] === 'string' ? o['at'] : '',
  };
}

/** The dead-letter list of the webhook sink. */
export class WebhookDeadLetters {
  readonly key: string;
  readonly #o: WebhookDeadLettersOptions;

  constructor(options: WebhookDeadLettersOptions) {
    this.#o = options;
    this.key = webhookDeadLetterKey(options.prefix);
  }

  /** Whether a webhook is configured to replay to. */
  get canReplay(): boolean {
    return this.#o.webhook !== null;
  }

  /** How many there are, and the newest `limit`. */
  async list(limit: number): Promise<{ total: number; entries: DeadLetter[] }> {
    const [total, raw] = await Promise.all([
      this.#o.redis.llen(this.key),
      this.#o.redis.lrange(this.key, 0, limit - 1),
    ]);
    return { total, entries: raw.map(parseEntry) };
  }

  /** Post the oldest `limit` to the webhook again, one at a time, until one is refused. */
  async replay(limit: number): Promise<ReplayResult> {
    const webhook = this.#o.webhook;
    if (webhook === null) throw new Error('no webhook is configured to replay to');
    const { redis } = this.#o;
    const sink = new WebhookSink({
      ...webhook,
      // One event at a time: a refusal is reported, never dead-lettered again.
      deadLetter: () => Promise.resolve(),
    });
    const result: ReplayResult = { replayed: 0, left: 0, unreadable: 0, refused: null };
    try {
      const oldestFirst = (await redis.lrange(this.key, -limit, -1)).reverse().map(parseEntry);
      for (const entry of oldestFirst) {
        if (entry.event === null) {
          result.unreadable++;
          continue;
        }
        try {
          await sink.deliver([entry.event]);
        } catch (err) {
          const answer = err instanceof WebhookUnavailableError ? err.answer : null;
          result.refused = {
            eventId: entry.event.id,
            reason: answer ?? (err instanceof Error ? err.message : String(err)),
          };
          break;
        }
        await redis.lrem(this.key, 1, entry.raw);
        result.replayed++;
      }
    } finally {
      sink.abort();
    }
    result.left = await redis.llen(this.key);
    return result;
  }
}
