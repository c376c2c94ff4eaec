/**
 * The outbox relay: reads the partitions' outbox streams with a consumer group and delivers each
 * event to every configured sink, at least once; an entry is acknowledged only after all sinks took
 * it. Entries whose delivery failed stay pending and are claimed again (by this or another relay
 * process) after `claimIdleMs`. Delivered entries are trimmed, keeping `retentionMs` of history for
 * consumers that read the streams directly with their own consumer groups.
 *
 * One stream a call (never a multi-key XREADGROUP), so it stays Redis-Cluster-safe.
 */
import type { Redis } from 'ioredis';
import { PollEventSchema, type PollEvent } from '../domain/poll-event.js';
import type { Metrics } from '../metrics/metrics.js';
import { withSpan } from '../metrics/tracing.js';
import type { Sink } from './sink.js';

/** Options of {@link OutboxRelay}. */
export interface OutboxRelayOptions {
  redis: Redis;
  /** The outbox stream keys (one per partition), from the store's keys. */
  streams: readonly string[];
  sinks: readonly Sink[];
  /** @defaultValue 'relay' */
  group?: string;
  /** @defaultValue 'relay-<pid>' */
  consumer?: string;
  /** Entries read per stream per round. @defaultValue 200 */
  batchSize?: number;
  /** Pending entries idle this long are claimed again. @defaultValue 30_000 */
  claimIdleMs?: number;
  /** Wait between rounds that found nothing. @defaultValue 200 */
  idleWaitMs?: number;
  /** History kept after delivery for direct consumers. @defaultValue 86_400_000 */
  retentionMs?: number;
  metrics?: Metrics;
  logger?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

type StreamEntry = [id: string, fields: string[]];

/** Where a stream's unreadable entries are set aside: `<prefix>:{k}:outbox-unreadable` (same slot). */
export function unreadableKey(stream: string): string {
  return `${stream}-unreadable`;
}

/** Delivers the outbox to the sinks. */
export class OutboxRelay {
  readonly #o: OutboxRelayOptions;
  readonly #group: string;
  readonly #consumer: string;
  #running = false;
  #loop: Promise<void> | null = null;
  #lastTrimMs = 0;
  #groupsReady = false;

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
    this.#group = options.group ?? 'relay';
    this.#consumer = options.consumer ?? `relay-${process.pid}`;
  }

  /** Create the consumer group on every stream (idempotent). */
  async ensureGroups(): Promise<void> {
    if (this.#groupsReady) return;
    for (const stream of this.#o.streams) {
      try {
        await this.#o.redis.xgroup('CREATE', stream, this.#group, '0', 'MKSTREAM');
      } catch (err) {
        if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
      }
    }
    this.#groupsReady = true;
  }

  /**
   * One round: claim entries left pending too long, read new ones, deliver, acknowledge.
   * Returns the number of entries delivered.
   */
  async runOnce(): Promise<number> {
    await this.ensureGroups();
    const { redis } = this.#o;
    const count = this.#o.batchSize ?? 200;
    const pipeline = redis.pipeline();
    for (const stream of this.#o.streams) {
      pipeline.xautoclaim(
        stream,
        this.#group,
        this.#consumer,
        this.#o.claimIdleMs ?? 30_000,
        '0-0',
        'COUNT',
        count,
      );
      pipeline.xreadgroup(
        'GROUP',
        this.#group,
        this.#consumer,
        'COUNT',
        count,
        'STREAMS',
        stream,
        '>',
      );
    }
    const replies = (await pipeline.exec()) ?? [];
    let delivered = 0;
    for (let i = 0; i < this.#o.streams.length; i++) {
      const stream = this.#o.streams[i] as string;
      const [claimErr, claimed] = replies[2 * i] ?? [null, null];
      const [readErr, read] = replies[2 * i + 1] ?? [null, null];
      if (claimErr) throw claimErr;
      if (readErr) throw readErr;
      const entries: StreamEntry[] = [
        ...((claimed as [string, StreamEntry[]] | null)?.[1] ?? []).filter((e) => e !== null),
        ...((read as [string, StreamEntry[]][] | null)?.[0]?.[1] ?? []),
      ];
      if (entries.length > 0) {
        delivered += await withSpan(
          'relay',
          { 'ep.stream': stream, 'ep.entries': entries.length },
          () => this.#deliver(stream, entries),
        );
      }
    }
    if (Date.now() - this.#lastTrimMs > 10_000) await this.trim();
    return delivered;
  }

  async #deliver(stream: string, entries: StreamEntry[]): Promise<number> {
    const events: PollEvent[] = [];
    const ids: string[] = [];
    const unreadable: { id: string; fields: string[]; reason: string }[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      const json = fieldOf(fields, 'event');
      const value = json === undefined ? undefined : safeJson(json);
      const parsed = value === undefined ? null : PollEventSchema.safeParse(value);
      if (parsed?.success) {
        events.push(parsed.data);
        continue;
      }
      let reason: string;
      if (json === undefined) reason = 'no "event" field';
      else if (parsed === null) reason = '"event" is not JSON';
      else {
        reason = parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`)
          .join('; ');
      }
      unreadable.push({ id, fields, reason });
    }
    // De-duplicate within the batch (an entry can be both claimed and read after a restart).
    const unique = [...new Map(events.map((e) => [e.id, e])).values()];
    // Every sink gets the batch even when one fails, so one sink's outage does not hold up the
    // others; the batch is acknowledged only when all took it (else it stays pending and is
    // delivered again later: at least once, each event's id its idempotency key).
    let failed = false;
    for (const sink of this.#o.sinks) {
      try {
        await sink.deliver(unique);
        this.#o.metrics?.relayDelivered.inc({ sink: sink.name }, unique.length);
      } catch (err) {
        failed = true;
        this.#o.metrics?.relayFailures.inc({ sink: sink.name });
        if ((err as { quiet?: unknown }).quiet !== true) {
          this.#o.logger?.warn(
            { sink: sink.name, stream, err: (err as Error).message },
            'sink delivery failed; will retry',
          );
        }
      }
    }
    if (failed) return 0;
    // Unreadable entries are set aside (raw fields and reason, in the stream's own partition) in the
    // same transaction as the acknowledgement: nothing is dropped, nothing blocks the others.
    const tx = this.#o.redis.multi();
    for (const u of unreadable) {
      tx.xadd(
        unreadableKey(stream),
        'MAXLEN',
        '~',
        10_000,
        '*',
        'stream',
        stream,
        'entry',
        u.id,
        'reason',
        u.reason,
        'fields',
        JSON.stringify(u.fields),
      );
    }
    tx.xack(stream, this.#group, ...new Set(ids));
    const results = (await tx.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    for (const u of unreadable) {
      this.#o.logger?.error(
        { stream, entryId: u.id, reason: u.reason, quarantine: unreadableKey(stream) },
        'unreadable outbox entry set aside',
      );
    }
    return unique.length;
  }

  /**
   * Trim delivered entries older than the retention window: MINID is the older of the oldest entry
   * still pending for the relay and now - retentionMs, so nothing undelivered is ever trimmed.
   */
  async trim(): Promise<void> {
    this.#lastTrimMs = Date.now();
    const retentionMs = this.#o.retentionMs ?? 86_400_000;
    for (const stream of this.#o.streams) {
      const summary = (await this.#o.redis.xpending(stream, this.#group)) as [
        number,
        string | null,
        ...unknown[],
      ];
      const info = (await this.#o.redis.xinfo('GROUPS', stream)) as unknown[][];
      const group = info.map(toRecord).find((g) => g.name === this.#group);
      const lastDelivered =
        typeof group?.['last-delivered-id'] === 'string' ? group['last-delivered-id'] : '0-0';
      const oldestPending = summary[0] > 0 && typeof summary[1] === 'string' ? summary[1] : null;
      const candidates = [`${Date.now() - retentionMs}-0`, oldestPending ?? nextId(lastDelivered)];
      const minId = candidates.sort(compareStreamIds)[0] as string;
      await this.#o.redis.xtrim(stream, 'MINID', minId);
    }
  }

  /** Entries in the outbox streams (all partitions). */
  async length(): Promise<number> {
    const pipeline = this.#o.redis.pipeline();
    for (const s of this.#o.streams) pipeline.xlen(s);
    return ((await pipeline.exec()) ?? []).reduce((n, [, v]) => n + Number(v ?? 0), 0);
  }

  /** Run rounds until stopped. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        let n = 0;
        try {
          n = await this.runOnce();
        } catch (err) {
          this.#o.logger?.error({ err: (err as Error).message }, 'outbox relay round failed');
        }
        if (n === 0 && this.#running)
          await new Promise((r) => setTimeout(r, this.#o.idleWaitMs ?? 200));
      }
    })();
  }

  /** Stop after the round in progress (the sinks are closed by their owner). */
  /**
   * Stop: no new round starts, and sinks are asked to give up a delivery in progress (its batch
   * stays pending, unacknowledged, and is delivered by the next relay to run).
   */
  async stop(): Promise<void> {
    this.#running = false;
    for (const sink of this.#o.sinks) sink.abort?.();
    await this.#loop;
    this.#loop = null;
  }

  /** True while running. */
  isRunning(): boolean {
    return this.#running;
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

/** The parsed value, or undefined when the text is not JSON. */
function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toRecord(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

function compareStreamIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as < bs ? -1 : as > bs ? 1 : 0) : am < bm ? -1 : 1;
}

function nextId(id: string): string {
  const [ms, seq] = id.split('-');
  return `${ms ?? '0'}-${BigInt(seq ?? '0') + 1n}`;
}
