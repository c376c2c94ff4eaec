/**
 * The outbox relay: reads the partitions' outbox streams and delivers each event to every
 * configured sink, at least once. Each sink is a lane of its own, with its own consumer group
 * (`<group>:<sink name>`) and its own loop, so a sink that is down or slow (a webhook in an outage)
 * neither holds up the others nor makes them receive the same entries again and again: each lane
 * acknowledges an entry once its sink took it. Entries whose delivery failed stay pending in that
 * lane's group and are claimed again (by this or another relay process) after `claimIdleMs`.
 * Entries every lane has delivered are trimmed, keeping `retentionMs` of history for consumers that
 * read the streams directly with their own consumer groups. A sink added later starts from the
 * oldest entry kept.
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
  /** Base of the lanes' consumer group names (`<group>:<sink name>`). @defaultValue 'relay' */
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

/** Delivers the outbox to the sinks, one lane per sink. */
export class OutboxRelay {
  readonly #o: OutboxRelayOptions;
  readonly #lanes: SinkLane[];
  #trimmer: ReturnType<typeof setInterval> | null = null;

  constructor(options: OutboxRelayOptions) {
    this.#o = options;
    const base = options.group ?? 'relay';
    const used = new Map<string, number>();
    this.#lanes = options.sinks.map((sink, i) => {
      // Two sinks of one name (extra sinks in tests) still get a group each.
      const n = (used.get(sink.name) ?? 0) + 1;
      used.set(sink.name, n);
      const group = `${base}:${sink.name}${n > 1 ? `#${n}` : ''}`;
      // Every lane reads every entry: the first lane alone sets unreadable ones aside (once).
      return new SinkLane(options, sink, group, i === 0);
    });
  }

  /** The lanes' consumer group names. */
  get groups(): string[] {
    return this.#lanes.map((l) => l.group);
  }

  /** Create every lane's consumer group on every stream (idempotent). */
  async ensureGroups(): Promise<void> {
    for (const lane of this.#lanes) await lane.ensureGroups();
  }

  /**
   * One round of every lane (in parallel), then a trim if one is due. Returns the number of
   * deliveries (an entry delivered to two sinks counts twice).
   */
  async runOnce(): Promise<number> {
    const counts = await Promise.all(this.#lanes.map((l) => l.runOnce()));
    return counts.reduce((a, b) => a + b, 0);
  }

  /**
   * Trim entries every lane has delivered and that are older than the retention window: MINID is
   * the oldest of now - retentionMs and, per lane, its oldest pending entry (or the entry after its
   * last delivered one), so nothing a lane has not delivered is ever trimmed. A stream where a lane's
   * group does not exist yet is left alone.
   */
  async trim(): Promise<void> {
    const retentionMs = this.#o.retentionMs ?? 86_400_000;
    const { redis } = this.#o;
    for (const stream of this.#o.streams) {
      let info: Record<string, unknown>[];
      try {
        info = ((await redis.xinfo('GROUPS', stream)) as unknown[][]).map(toRecord);
      } catch (err) {
        if (String((err as Error).message).includes('no such key')) continue; // nothing to trim
        throw err;
      }
      const candidates = [`${Date.now() - retentionMs}-0`];
      let complete = true;
      for (const name of this.groups) {
        const group = info.find((g) => g.name === name);
        if (group === undefined) {
          complete = false;
          break;
        }
        const lastDelivered =
          typeof group['last-delivered-id'] === 'string' ? group['last-delivered-id'] : '0-0';
        let oldestPending: string | null = null;
        if (Number(group.pending ?? 0) > 0) {
          const summary = (await redis.xpending(stream, name)) as [number, string | null];
          if (summary[0] > 0 && typeof summary[1] === 'string') oldestPending = summary[1];
        }
        candidates.push(oldestPending ?? nextId(lastDelivered));
      }
      if (!complete) continue;
      const minId = candidates.sort(compareStreamIds)[0] as string;
      await redis.xtrim(stream, 'MINID', minId);
    }
  }

  /** Entries in the outbox streams (all partitions). */
  async length(): Promise<number> {
    const pipeline = this.#o.redis.pipeline();
    for (const s of this.#o.streams) pipeline.xlen(s);
    return ((await pipeline.exec()) ?? []).reduce((n, [, v]) => n + Number(v ?? 0), 0);
  }

  /** Run every lane's loop until stopped, trimming every 10 s. */
  start(): void {
    if (this.#trimmer !== null) return;
    for (const lane of this.#lanes) lane.start();
    this.#trimmer = setInterval(() => {
      this.trim().catch((err: unknown) => {
        this.#o.logger?.error({ err: (err as Error).message }, 'outbox trim failed');
      });
    }, 10_000);
    this.#trimmer.unref();
  }

  /**
   * Stop: no new round starts, and sinks are asked to give up a delivery in progress (its batch
   * stays pending, unacknowledged, and is delivered by the next relay to run). The sinks are closed
   * by their owner.
   */
  async stop(): Promise<void> {
    if (this.#trimmer !== null) clearInterval(this.#trimmer);
    this.#trimmer = null;
    await Promise.all(this.#lanes.map((l) => l.stop()));
  }

  /** True while running. */
  isRunning(): boolean {
    return this.#lanes.some((l) => l.isRunning());
  }
}

/** One sink's lane: its consumer group on every stream, and its delivery loop. */
class SinkLane {
  readonly #o: OutboxRelayOptions;
  readonly #sink: Sink;
  readonly group: string;
  readonly #consumer: string;
  #running = false;
  #loop: Promise<void> | null = null;
  #groupsReady = false;

  readonly #setsAsideUnreadable: boolean;

  constructor(
    options: OutboxRelayOptions,
    sink: Sink,
    group: string,
    setsAsideUnreadable: boolean,
  ) {
    this.#o = options;
    this.#setsAsideUnreadable = setsAsideUnreadable;
    this.#sink = sink;
    this.group = group;
    this.#consumer = options.consumer ?? `relay-${process.pid}`;
  }

  /** Create the consumer group on every stream (idempotent). */
  async ensureGroups(): Promise<void> {
    if (this.#groupsReady) return;
    for (const stream of this.#o.streams) {
      try {
        await this.#o.redis.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
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
        this.group,
        this.#consumer,
        this.#o.claimIdleMs ?? 30_000,
        '0-0',
        'COUNT',
        count,
      );
      pipeline.xreadgroup(
        'GROUP',
        this.group,
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
    return delivered;
  }

  async #deliver(stream: string, entries: StreamEntry[]): Promise<number> {
    const events: PollEvent[] = [];
    const ids: string[] = [];
    /** Entry id → its event's id (readable entries). */
    const eventIdOfEntry = new Map<string, string>();
    const unreadable: { id: string; fields: string[]; reason: string }[] = [];
    for (const [id, fields] of entries) {
      ids.push(id);
      const json = fieldOf(fields, 'event');
      const value = json === undefined ? undefined : safeJson(json);
      const parsed = value === undefined ? null : PollEventSchema.safeParse(value);
      if (parsed?.success) {
        events.push(parsed.data);
        eventIdOfEntry.set(id, parsed.data.id);
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
    const sink = this.#sink;
    try {
      await sink.deliver(unique);
      this.#o.metrics?.relayDelivered.inc({ sink: sink.name }, unique.length);
    } catch (err) {
      this.#o.metrics?.relayFailures.inc({ sink: sink.name });
      if ((err as { quiet?: unknown }).quiet !== true) {
        this.#o.logger?.warn(
          { sink: sink.name, stream, err: (err as Error).message },
          'sink delivery failed; will retry',
        );
      }
      // What the sink took (or dead-lettered) before it failed is acknowledged: only the rest is
      // delivered again, and nothing is dead-lettered twice.
      const handled = handledOf(err);
      const done = ids.filter((id) => handled.has(eventIdOfEntry.get(id) ?? ''));
      if (done.length > 0) {
        await this.#o.redis.xack(stream, this.group, ...done);
        this.#o.metrics?.relayDelivered.inc({ sink: sink.name }, handled.size);
      }
      return 0;
    }
    // Unreadable entries are set aside (raw fields and reason, in the stream's own partition) in the
    // same transaction as the acknowledgement: nothing is dropped, nothing blocks the others.
    const aside = this.#setsAsideUnreadable ? unreadable : [];
    const tx = this.#o.redis.multi();
    for (const u of aside) {
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
    tx.xack(stream, this.group, ...new Set(ids));
    const results = (await tx.exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    for (const u of aside) {
      this.#o.logger?.error(
        { stream, entryId: u.id, reason: u.reason, quarantine: unreadableKey(stream) },
        'unreadable outbox entry set aside',
      );
    }
    return unique.length;
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
          this.#o.logger?.error(
            { sink: this.#sink.name, err: (err as Error).message },
            'outbox relay round failed',
          );
        }
        if (n === 0 && this.#running)
          await new Promise((r) => setTimeout(r, this.#o.idleWaitMs ?? 200));
      }
    })();
  }

  /** Stop after the round in progress, asking the sink to give up a delivery in progress. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#sink.abort?.();
    await this.#loop;
    this.#loop = null;
  }

  /** True while running. */
  isRunning(): boolean {
    return this.#running;
  }
}

/** The event ids a failed delivery says it handled (see Sink.deliver). */
function handledOf(err: unknown): Set<string> {
  const handled = (err as { handled?: unknown } | null)?.handled;
  return new Set(Array.isArray(handled) ? handled.filter((x) => typeof x === 'string') : []);
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
