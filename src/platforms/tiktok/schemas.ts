/**
 * zod schemas of the TikTok payloads this product reads: the Business (Accounts) API comment list
 * (the production source) and the Research API comment list (an optional second source). Envelopes
 * and items are separate so one malformed item can be quarantined.
 */
import { z } from 'zod';

/**
 * An int64 id as TikTok sends it: a string (Business API) or a bare JSON number (Research API; the
 * client parses those losslessly, so large ones arrive as digit strings). Always a string here.
 */
export const TikTokIdSchema = z
  .union([z.string().min(1), z.number().int().nonnegative()])
  .transform((value) => String(value));

/** Epoch seconds as a number or a string of digits (both are seen), as a number. */
export const EpochSecondsSchema = z
  .union([z.number().int().positive(), z.string().regex(/^[0-9]{1,12}$/)])
  .transform((value) => Number(value))
  .refine((value) => value > 0, 'must be a positive epoch-seconds time');

/** A comment from `GET /business/comment/list/` or `/business/comment/reply/list/`. */
export const RawBusinessCommentSchema = z.object({
  comment_id: TikTokIdSchema,
  video_id: TikTokIdSchema.optional(),
  /** Present on replies (`/comment/reply/list/`). */
  parent_comment_id: TikTokIdSchema.optional(),
  user_id: z.string().optional(),
  username: z.string().optional(),
  display_name: z.string().optional(),
  text: z.string(),
  create_time: EpochSecondsSchema,
  status: z.string().optional(),
  likes: z.number().optional(),
  replies: z.number().optional(),
});
/** A Business API comment. */
export type RawBusinessComment = z.infer<typeof RawBusinessCommentSchema>;

/** The page inside a successful Business API response. */
export const RawBusinessCommentPageSchema = z.object({
  comments: z.array(z.unknown()).default([]),
  cursor: z.number().int().nonnegative(),
  has_more: z.boolean(),
});
/** The page inside a successful Business API response. */
export type RawBusinessCommentPage = z.infer<typeof RawBusinessCommentPageSchema>;

/** The Business API envelope: `code` 0 is success; errors arrive as HTTP 200 with a non-zero code. */
export const RawBusinessEnvelopeSchema = z.object({
  code: z.number().int(),
  message: z.string().optional(),
  request_id: z.string().optional(),
  data: z.unknown().optional(),
});
/** The Business API envelope. */
export type RawBusinessEnvelope = z.infer<typeof RawBusinessEnvelopeSchema>;

/** A comment from the Research API (`POST /v2/research/video/comment/list/`). */
export const RawResearchCommentSchema = z.object({
  id: TikTokIdSchema,
  video_id: TikTokIdSchema.optional(),
  /** Equals `video_id` for top-level comments. */
  parent_comment_id: TikTokIdSchema.optional(),
  text: z.string(),
  create_time: EpochSecondsSchema,
  like_count: z.number().optional(),
  reply_count: z.number().optional(),
});
/** A Research API comment. */
export type RawResearchComment = z.infer<typeof RawResearchCommentSchema>;

/** The Research API error object (`code` is `"ok"` on success). */
export const RawResearchErrorSchema = z.object({
  code: z.string(),
  message: z.string().optional(),
  log_id: z.string().optional(),
});
/** The Research API error object. */
export type RawResearchError = z.infer<typeof RawResearchErrorSchema>;

/** A Research API comment page: `cursor` is an offset, `has_more` says whether more follow. */
export const RawResearchEnvelopeSchema = z.object({
  data: z.object({
    comments: z.array(z.unknown()).default([]),
    cursor: z.number().int().nonnegative(),
    has_more: z.boolean(),
  }),
  error: RawResearchErrorSchema.optional(),
});
/** A Research API comment page. */
export type RawResearchEnvelope = z.infer<typeof RawResearchEnvelopeSchema>;
