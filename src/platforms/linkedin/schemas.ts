/**
 * zod schemas of the LinkedIn payloads this product reads: post comments (`/rest/socialActions`),
 * organization notifications (mentions), the conversations contract of the partner-only Messages
 * API, and the `{status, serviceErrorCode, code, message}` error envelope. Envelopes and items are
 * separate so one malformed item can be quarantined.
 */
import { z } from 'zod';

/** Offset paging: `start`, `count`, `total` (sometimes absent), `links` (usually empty). */
export const RawPagingSchema = z.object({
  start: z.number().int().nonnegative(),
  count: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().optional(),
  links: z.array(z.unknown()).optional(),
});
/** Offset paging. */
export type RawPaging = z.infer<typeof RawPagingSchema>;

/** A collection page: elements stay `unknown` here and are validated one by one. */
export const RawCollectionSchema = z.object({
  paging: RawPagingSchema.optional(),
  elements: z.array(z.unknown()),
});
/** A collection page. */
export type RawCollection = z.infer<typeof RawCollectionSchema>;

/** Who did something and when (epoch ms); `impersonator` is the admin acting as an organization. */
export const RawAuditStampSchema = z.object({
  actor: z.string().optional(),
  impersonator: z.string().optional(),
  time: z.number().int().positive(),
});
/** An audit stamp. */
export type RawAuditStamp = z.infer<typeof RawAuditStampSchema>;

/**
 * A comment from `GET /rest/socialActions/{urn}/comments`. `object` is the activity URN even when
 * the request named a share or ugcPost; replies carry `parentComment`.
 */
export const RawCommentSchema = z
  .object({
    id: z.string().min(1).optional(),
    $URN: z.string().optional(),
    commentUrn: z.string().optional(),
    actor: z.string().min(1),
    created: RawAuditStampSchema,
    lastModified: RawAuditStampSchema.optional(),
    message: z.object({ text: z.string(), attributes: z.array(z.unknown()).optional() }).optional(),
    object: z.string().optional(),
    parentComment: z.string().optional(),
  })
  .refine((c) => c.id !== undefined || c.$URN !== undefined || c.commentUrn !== undefined, {
    message: 'a comment needs an id, $URN or commentUrn',
  });
/** A comment. */
export type RawComment = z.infer<typeof RawCommentSchema>;

/**
 * A conversation, in the shape of the spec's contract for the inbox. The real Messages API is open
 * to approved partners only, so this shape is ours (and the simulator's), not a recorded one.
 */
export const RawConversationSchema = z.object({
  id: z.string().min(1),
  lastActivityAt: z.number().int().positive(),
  participants: z
    .array(z.object({ id: z.string().min(1), name: z.string().optional() }))
    .default([]),
  lastMessage: z
    .object({
      id: z.string().min(1).optional(),
      text: z.string(),
      author: z.string().optional(),
    })
    .optional(),
});
/** A conversation. */
export type RawConversation = z.infer<typeof RawConversationSchema>;

/**
 * An organizational entity notification (`GET /rest/organizationalEntityNotifications`). No
 * verbatim sample exists ❓; fields are from the documented schema and implementations.
 */
export const RawNotificationSchema = z
  .object({
    action: z.string().min(1),
    organizationalEntity: z.string().optional(),
    sourcePost: z.string().optional(),
    generatedActivity: z.string().optional(),
    lastModifiedAt: z.number().int().positive(),
    subscriber: z.string().optional(),
    decoratedGeneratedActivity: z.unknown().optional(),
    decoratedSourcePost: z.unknown().optional(),
  })
  .refine((n) => n.generatedActivity !== undefined || n.sourcePost !== undefined, {
    message: 'a notification needs a generatedActivity or sourcePost',
  });
/** An organizational entity notification. */
export type RawNotification = z.infer<typeof RawNotificationSchema>;

/** The LinkedIn error envelope (not RFC 7807). */
export const RawErrorBodySchema = z.object({
  status: z.number().int().optional(),
  serviceErrorCode: z.number().int().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
});
/** The LinkedIn error envelope. */
export type RawErrorBody = z.infer<typeof RawErrorBodySchema>;
