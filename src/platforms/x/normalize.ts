/**
 * Pure normalization of validated X payloads into {@link PollEvent}s. Authors get their display
 * name and username from `includes.users` (the `author_id`/`sender_id` expansion).
 */
import type { ResourceType } from '../../domain/platform.js';
import { eventIdOf, toIsoTimestamp, type PollEvent } from '../../domain/poll-event.js';
import { RawUserSchema, type RawDmEvent, type RawTweet, type RawUser } from './schemas.js';

/** The X epoch (2010-11-04T01:42:54.657Z) that snowflake timestamps count from, in ms. */
export const X_EPOCH_MS = 1288834974657n;

/** The creation time (epoch ms) encoded in a snowflake id. */
export function snowflakeTimeMs(id: string): number {
  return Number((BigInt(id) >> 22n) + X_EPOCH_MS);
}

/** Where the items being normalized come from. */
export interface XNormalizeContext {
  clientId: string;
  resource: { type: ResourceType; id: string | null };
  /** `includes.users` by id. */
  users: ReadonlyMap<string, RawUser>;
}

/** `includes.users` by id; entries that fail validation are left out (their authors lose names). */
export function usersById(users: readonly unknown[] | undefined): Map<string, RawUser> {
  const map = new Map<string, RawUser>();
  for (const raw of users ?? []) {
    const parsed = RawUserSchema.safeParse(raw);
    if (parsed.success) map.set(parsed.data.id, parsed.data);
  }
  return map;
}

function authorOf(
  id: string | undefined,
  users: ReadonlyMap<string, RawUser>,
): PollEvent['author'] {
  const user = id === undefined ? undefined : users.get(id);
  return {
    platformId: id ?? null,
    displayName: user?.name ?? null,
    username: user?.username ?? null,
  };
}

function timestampOf(createdAt: string | undefined, id: string): string {
  return toIsoTimestamp(createdAt) ?? new Date(snowflakeTimeMs(id)).toISOString();
}

/** The id of the post this one replies to (either field name), or null. */
export function repliedToIdOf(tweet: RawTweet): string | null {
  const refs = tweet.referenced_tweets ?? tweet.referenced_posts ?? [];
  return refs.find((r) => r.type === 'replied_to')?.id ?? null;
}

/**
 * The stable item id of a post: the first id of its edit history (the original), else its id. An
 * edited post keeps one event id across its versions.
 */
export function stableTweetIdOf(tweet: RawTweet): string {
  return tweet.edit_history_tweet_ids?.[0] ?? tweet.edit_history_post_ids?.[0] ?? tweet.id;
}

function tweetEvent(
  tweet: RawTweet,
  raw: unknown,
  ctx: XNormalizeContext,
  eventType: 'mention' | 'comment',
): PollEvent {
  const itemId = stableTweetIdOf(tweet);
  const parentId = repliedToIdOf(tweet);
  const threadId = tweet.conversation_id ?? null;
  return {
    id: eventIdOf('x', { clientId: ctx.clientId, resourceType: ctx.resource.type }, itemId),
    platform: 'x',
    eventType,
    clientId: ctx.clientId,
    resource: ctx.resource,
    itemId,
    postId: eventType === 'comment' ? (threadId ?? ctx.resource.id) : threadId,
    threadId,
    parentId: eventType === 'comment' ? (parentId ?? threadId ?? ctx.resource.id) : parentId,
    author: authorOf(tweet.author_id, ctx.users),
    content: tweet.text,
    timestamp: timestampOf(tweet.created_at, tweet.id),
    raw,
  };
}

/** A post that mentions the account, as a `mention` event. */
export function normalizeMention(tweet: RawTweet, raw: unknown, ctx: XNormalizeContext): PollEvent {
  return tweetEvent(tweet, raw, ctx, 'mention');
}

/**
 * A reply in a tracked post's conversation, as a `comment` event with `parentId` (the post it
 * replies to, else the conversation root) and `postId` (the conversation root).
 */
export function normalizeReply(tweet: RawTweet, raw: unknown, ctx: XNormalizeContext): PollEvent {
  return tweetEvent(tweet, raw, ctx, 'comment');
}

/** A DM event as a `dm` event; null for events that are not messages (participants joining/leaving). */
export function normalizeDm(
  event: RawDmEvent,
  raw: unknown,
  ctx: XNormalizeContext,
): PollEvent | null {
  if (event.event_type !== 'MessageCreate') return null;
  return {
    id: eventIdOf('x', { clientId: ctx.clientId, resourceType: ctx.resource.type }, event.id),
    platform: 'x',
    eventType: 'dm',
    clientId: ctx.clientId,
    resource: ctx.resource,
    itemId: event.id,
    postId: null,
    threadId: event.dm_conversation_id ?? null,
    parentId: null,
    author: authorOf(event.sender_id, ctx.users),
    content: event.text ?? '',
    timestamp: timestampOf(event.created_at, event.id),
    raw,
  };
}
