/**
 * PollEvent: one new item (comment, reply, mention, DM) normalized across platforms. Its `id` is
 * stable (platform + item id), so it serves as the dedupe key and the sinks' idempotency key.
 */
import { z } from 'zod';
import { PlatformSchema, ResourceTypeSchema } from './platform.js';

/** Kinds of event. X replies are `comment`s with a `parentId`. */
export const EVENT_TYPES = ['comment', 'mention', 'dm'] as const;
/** Schema of an event type. */
export const EventTypeSchema = z.enum(EVENT_TYPES);
/** A kind of event. */
export type EventType = z.infer<typeof EventTypeSchema>;

/** Schema of a normalized event. */
export const PollEventSchema = z.object({
  /** `<platform>:<clientId>:<resourceType>:<item key>` (see {@link eventIdOf}): stable across polls and processes. */
  id: z.string().min(3),
  platform: PlatformSchema,
  eventType: EventTypeSchema,
  clientId: z.string(),
  resource: z.object({ type: ResourceTypeSchema, id: z.string().nullable() }),
  /** The platform's id of the item (string, lossless). */
  itemId: z.string().min(1),
  /** The post or video the item is on, when it is on one. */
  postId: z.string().nullable(),
  /** The conversation/thread the item belongs to (X conversation, DM conversation). */
  threadId: z.string().nullable(),
  /** The item this one replies to, for replies. */
  parentId: z.string().nullable(),
  author: z.object({
    platformId: z.string().nullable(),
    displayName: z.string().nullable(),
    username: z.string().nullable(),
  }),
  content: z.string(),
  /** When the platform says the item was created (ISO-8601 UTC). */
  timestamp: z.iso.datetime(),
  /** The item as the platform sent it. */
  raw: z.unknown(),
});
/** One normalized event. */
export type PollEvent = z.infer<typeof PollEventSchema>;

/**
 * The stable id of an item's event: `<platform>:<clientId>:<resourceType>:<item key>`. It is
 * scoped to the client and the resource type because one platform item can reach several of them
 * (a post that mentions two client brands; an X reply that is also a mention), and each of those is
 * an event of its own: a consumer that deduplicates by this id (the queue sink's job id, the
 * webhook's Idempotency-Key) must never drop one client's event as a repeat of another's.
 */
export function eventIdOf(
  platform: z.infer<typeof PlatformSchema>,
  scope: { clientId: string; resourceType: z.infer<typeof ResourceTypeSchema> },
  itemKey: string,
): string {
  return `${platform}:${scope.clientId}:${scope.resourceType}:${itemKey}`;
}

/**
 * An item that failed validation: kept with its raw payload and the reason, counted, never emitted
 * as an event; the rest of its page still commits.
 */
export interface QuarantinedItem {
  platform: z.infer<typeof PlatformSchema>;
  reason: string;
  raw: unknown;
}

/**
 * A timestamp the platform sent (epoch seconds, epoch milliseconds or ISO-8601) as ISO-8601 UTC.
 * Returns null for anything else. Numbers below 1e11 are taken as seconds.
 */
export function toIsoTimestamp(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value) && value > 0) {
    const ms = value < 1e11 ? value * 1000 : value;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  if (typeof value === 'string' && value.length > 0) {
    if (/^[0-9]+$/.test(value)) return toIsoTimestamp(Number(value));
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}
