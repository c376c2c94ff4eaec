/**
 * Pure normalization of validated LinkedIn payloads (comments, inbox conversations, organization
 * mentions) into {@link PollEvent}s. LinkedIn sends member URNs, not names: display names and
 * usernames stay null (a profile lookup would cost a call per author and may be cached 24 h only).
 */
import { eventIdOf, toIsoTimestamp, type PollEvent } from '../../domain/poll-event.js';
import type { RawComment, RawConversation, RawNotification } from './schemas.js';

/** Where the items being normalized come from. */
export interface LinkedInNormalizeContext {
  clientId: string;
  /** The resource polled: a post URN (comments), null (inbox) or an organization URN (mentions). */
  resourceId: string | null;
}

function isoOf(ms: number): string {
  // The schemas guarantee a positive integer time, so this never falls back in practice.
  return toIsoTimestamp(ms) ?? new Date(0).toISOString();
}

/** The comment id: `id`, else the last element of `urn:li:comment:(<activity>,<id>)`. */
export function commentIdOf(comment: RawComment): string {
  if (comment.id !== undefined) return comment.id;
  const urn = comment.$URN ?? comment.commentUrn ?? '';
  return /,([^,()]+)\)$/.exec(urn)?.[1] ?? urn;
}

/**
 * A comment on a tracked post as a `comment` event. `postId` is the post polled (the response's
 * `object` can be a different, activity URN); replies get the parent comment URN as `parentId`.
 */
export function normalizeComment(
  comment: RawComment,
  raw: unknown,
  ctx: LinkedInNormalizeContext,
): PollEvent {
  const itemId = commentIdOf(comment);
  return {
    id: eventIdOf('linkedin', { clientId: ctx.clientId, resourceType: 'comments' }, itemId),
    platform: 'linkedin',
    eventType: 'comment',
    clientId: ctx.clientId,
    resource: { type: 'comments', id: ctx.resourceId },
    itemId,
    postId: ctx.resourceId ?? comment.object ?? null,
    threadId: null,
    parentId: comment.parentComment ?? null,
    author: { platformId: comment.actor, displayName: null, username: null },
    content: comment.message?.text ?? '',
    timestamp: isoOf(comment.created.time),
    raw,
  };
}

/**
 * A conversation's latest activity as a `dm` event. Its item id is the last message's id, else
 * `<conversation id>@<lastActivityAt>`, so each new message in a conversation is a new event.
 */
export function normalizeConversation(
  conversation: RawConversation,
  raw: unknown,
  ctx: LinkedInNormalizeContext,
): PollEvent {
  const itemId =
    conversation.lastMessage?.id ?? `${conversation.id}@${conversation.lastActivityAt}`;
  const authorId = conversation.lastMessage?.author ?? conversation.participants[0]?.id ?? null;
  const author = conversation.participants.find((p) => p.id === authorId);
  return {
    id: eventIdOf('linkedin', { clientId: ctx.clientId, resourceType: 'inbox' }, itemId),
    platform: 'linkedin',
    eventType: 'dm',
    clientId: ctx.clientId,
    resource: { type: 'inbox', id: null },
    itemId,
    postId: null,
    threadId: conversation.id,
    parentId: null,
    author: { platformId: authorId, displayName: author?.name ?? null, username: null },
    content: conversation.lastMessage?.text ?? '',
    timestamp: isoOf(conversation.lastActivityAt),
    raw,
  };
}

function stringAt(value: unknown, ...path: string[]): string | null {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'string' ? node : null;
}

/**
 * An organization notification (e.g. `SHARE_MENTION`) as a `mention` event. Item id
 * `<action>:<generatedActivity or sourcePost>` (LinkedIn's advice: dedupe on activity plus action).
 * Author and text come from the decorated activity when present (❓ its shape is undocumented).
 */
export function normalizeNotification(
  notification: RawNotification,
  raw: unknown,
  ctx: LinkedInNormalizeContext,
): PollEvent {
  const activity = notification.generatedActivity ?? notification.sourcePost ?? '';
  const itemId = `${notification.action}:${activity}`;
  const decorated = notification.decoratedGeneratedActivity;
  const authorId =
    stringAt(decorated, 'share', 'owner') ??
    stringAt(decorated, 'comment', 'actor') ??
    stringAt(decorated, 'owner') ??
    stringAt(decorated, 'actor');
  const text =
    stringAt(decorated, 'share', 'text') ??
    stringAt(decorated, 'comment', 'message', 'text') ??
    stringAt(decorated, 'text') ??
    '';
  return {
    id: eventIdOf('linkedin', { clientId: ctx.clientId, resourceType: 'mentions' }, itemId),
    platform: 'linkedin',
    eventType: 'mention',
    clientId: ctx.clientId,
    resource: { type: 'mentions', id: ctx.resourceId },
    itemId,
    postId: notification.sourcePost ?? null,
    threadId: null,
    parentId: null,
    author: { platformId: authorId, displayName: null, username: null },
    content: text,
    timestamp: isoOf(notification.lastModifiedAt),
    raw,
  };
}
