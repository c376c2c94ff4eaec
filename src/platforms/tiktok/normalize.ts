/**
 * Pure normalization of validated TikTok comments (Business and Research API) into
 * {@link PollEvent}s, and the comment checkpoint format the adapter commits.
 */
import { eventIdOf, toIsoTimestamp, type PollEvent } from '../../domain/poll-event.js';
import { compareDecimalIds } from '../connector.js';
import type { RawBusinessComment, RawResearchComment } from './schemas.js';

/** Where the comments being normalized come from. */
export interface TikTokNormalizeContext {
  clientId: string;
  /** The video polled (the resource id). */
  videoId: string;
}

function isoOf(createTimeS: number): string {
  // The schema guarantees a positive integer, so this never falls back in practice.
  return toIsoTimestamp(createTimeS) ?? new Date(0).toISOString();
}

/**
 * A Business API comment as a `comment` event. The API gives the commenter's `username` (handle)
 * and an opaque `user_id`; with no display name sent, the handle stands in for it.
 */
export function normalizeBusinessComment(
  comment: RawBusinessComment,
  raw: unknown,
  ctx: TikTokNormalizeContext,
): PollEvent {
  return {
    id: eventIdOf(
      'tiktok',
      { clientId: ctx.clientId, resourceType: 'comments' },
      comment.comment_id,
    ),
    platform: 'tiktok',
    eventType: 'comment',
    clientId: ctx.clientId,
    resource: { type: 'comments', id: ctx.videoId },
    itemId: comment.comment_id,
    postId: comment.video_id ?? ctx.videoId,
    threadId: null,
    parentId: comment.parent_comment_id ?? null,
    author: {
      platformId: comment.user_id ?? null,
      displayName: comment.display_name ?? comment.username ?? null,
      username: comment.username ?? null,
    },
    content: comment.text,
    timestamp: isoOf(comment.create_time),
    raw,
  };
}

/**
 * A Research API comment as a `comment` event. Top-level comments have `parent_comment_id` equal to
 * the video id: they get no parentId. The Research API names no author.
 */
export function normalizeResearchComment(
  comment: RawResearchComment,
  raw: unknown,
  ctx: TikTokNormalizeContext,
): PollEvent {
  const videoId = comment.video_id ?? ctx.videoId;
  const parent = comment.parent_comment_id;
  return {
    id: eventIdOf('tiktok', { clientId: ctx.clientId, resourceType: 'comments' }, comment.id),
    platform: 'tiktok',
    eventType: 'comment',
    clientId: ctx.clientId,
    resource: { type: 'comments', id: ctx.videoId },
    itemId: comment.id,
    postId: videoId,
    threadId: null,
    parentId: parent === undefined || parent === videoId ? null : parent,
    author: { platformId: null, displayName: null, username: null },
    content: comment.text,
    timestamp: isoOf(comment.create_time),
    raw,
  };
}

/** A position among a video's comments: creation time (epoch s), then comment id. */
export interface TikTokCheckpoint {
  createTimeS: number;
  commentId: string;
}

/** The cursor string of a checkpoint: `<create_time>:<comment_id>`, e.g. `1655461098:7110150495453840130`. */
export function formatTikTokCheckpoint(checkpoint: TikTokCheckpoint): string {
  return `${checkpoint.createTimeS}:${checkpoint.commentId}`;
}

/** The checkpoint in a cursor string, or null when it is not one. */
export function parseTikTokCheckpoint(cursor: string): TikTokCheckpoint | null {
  const match = /^([0-9]{1,12}):([0-9A-Za-z_-]{1,64})$/.exec(cursor);
  if (match === null) return null;
  return { createTimeS: Number(match[1]), commentId: match[2] ?? '' };
}

/** Order of checkpoints: by time, then by id (digit strings compared without number loss). */
export function compareTikTokCheckpoints(a: TikTokCheckpoint, b: TikTokCheckpoint): number {
  if (a.createTimeS !== b.createTimeS) return a.createTimeS - b.createTimeS;
  return compareDecimalIds(a.commentId, b.commentId);
}
