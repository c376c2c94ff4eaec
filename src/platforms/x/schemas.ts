/**
 * zod schemas of the X API v2 payloads this product reads (mentions timeline, recent search, DM
 * events, error bodies). Envelopes and items are separate schemas so that one malformed item can be
 * quarantined while the rest of its page still counts.
 */
import { z } from 'zod';

/** An X id: a snowflake written as 1–19 decimal digits (never a JS number). */
export const XIdSchema = z.string().regex(/^[0-9]{1,19}$/, 'not an X id (1-19 digits)');

/** A reference from one post to another (`referenced_tweets` / `referenced_posts`). */
export const RawReferencedPostSchema = z.object({ type: z.string(), id: XIdSchema });
/** A reference from one post to another. */
export type RawReferencedPost = z.infer<typeof RawReferencedPostSchema>;

/** A post (tweet) as mentions and search return it; fields beyond id and text only when asked for. */
export const RawTweetSchema = z.object({
  id: XIdSchema,
  text: z.string(),
  author_id: XIdSchema.optional(),
  created_at: z.string().optional(),
  conversation_id: XIdSchema.optional(),
  in_reply_to_user_id: XIdSchema.optional(),
  /** The name until the 2026 rename. */
  referenced_tweets: z.array(RawReferencedPostSchema).optional(),
  /** The name after the 2026 rename (❓ which one the live API emits). */
  referenced_posts: z.array(RawReferencedPostSchema).optional(),
  edit_history_tweet_ids: z.array(XIdSchema).optional(),
  edit_history_post_ids: z.array(XIdSchema).optional(),
});
/** A post as mentions and search return it. */
export type RawTweet = z.infer<typeof RawTweetSchema>;

/** A user object from `includes.users` (expansion of `author_id` or `sender_id`). */
export const RawUserSchema = z.object({
  id: XIdSchema,
  name: z.string().optional(),
  username: z.string().optional(),
});
/** A user object from `includes.users`. */
export type RawUser = z.infer<typeof RawUserSchema>;

/** `meta` of a timeline or search page. `newest_id` is absent when the page is empty. */
export const RawPageMetaSchema = z.object({
  result_count: z.number().int().nonnegative().optional(),
  newest_id: XIdSchema.optional(),
  oldest_id: XIdSchema.optional(),
  next_token: z.string().min(1).optional(),
  previous_token: z.string().min(1).optional(),
});
/** `meta` of a page. */
export type RawPageMeta = z.infer<typeof RawPageMetaSchema>;

/**
 * One page of posts or DM events. Items stay `unknown` here and are validated one by one. An empty
 * page has no `data` key at all. `includes.users` entries are validated leniently: a bad user
 * only loses its names.
 */
export const RawPageSchema = z.object({
  data: z.array(z.unknown()).optional(),
  includes: z.object({ users: z.array(z.unknown()).optional() }).optional(),
  meta: RawPageMetaSchema.optional(),
  /** Partial errors inside a 200 (e.g. a referenced post was deleted). */
  errors: z.array(z.unknown()).optional(),
});
/** One page of posts or DM events. */
export type RawPage = z.infer<typeof RawPageSchema>;

/** A DM event. Only `MessageCreate` events are messages; join/leave events carry `participant_ids`. */
export const RawDmEventSchema = z.object({
  id: XIdSchema,
  event_type: z.string(),
  text: z.string().optional(),
  sender_id: XIdSchema.optional(),
  dm_conversation_id: z.string().optional(),
  created_at: z.string().optional(),
  participant_ids: z.array(XIdSchema).optional(),
});
/** A DM event. */
export type RawDmEvent = z.infer<typeof RawDmEventSchema>;

/** One entry of `errors[]`, in an error body or as a partial error inside a 200. */
export const RawErrorEntrySchema = z.object({
  code: z.number().optional(),
  message: z.string().optional(),
  title: z.string().optional(),
  detail: z.string().optional(),
  type: z.string().optional(),
  resource_id: z.string().optional(),
  resource_type: z.string().optional(),
  parameter: z.string().optional(),
  value: z.unknown().optional(),
});
/** One entry of `errors[]`. */
export type RawErrorEntry = z.infer<typeof RawErrorEntrySchema>;

/** An X error body: RFC 7807-like (`title`, `detail`, `type`, `status`) and/or `errors[]`. */
export const RawErrorBodySchema = z.object({
  title: z.string().optional(),
  detail: z.string().optional(),
  type: z.string().optional(),
  status: z.number().optional(),
  errors: z.array(RawErrorEntrySchema).optional(),
});
/** An X error body. */
export type RawErrorBody = z.infer<typeof RawErrorBodySchema>;
