/**
 * Shapes of stored credentials, shared by the file and secret-store providers, and a way to turn a
 * zod failure into a reason that names fields but never echoes a value.
 */
import { z } from 'zod';
import { ClientIdSchema } from '../../domain/resource.js';

/** One platform's credentials for one client. */
export const PlatformCredentialsSchema = z.strictObject({
  accessToken: z.string().min(1),
  /** The platform account the token acts for (TikTok `business_id`, …). Not secret. */
  accountId: z.string().min(1).optional(),
});

/** The credentials of one client, by platform. */
export const ClientCredentialsSchema = z.strictObject({
  x: PlatformCredentialsSchema.optional(),
  linkedin: PlatformCredentialsSchema.optional(),
  tiktok: PlatformCredentialsSchema.optional(),
});

/** A credentials file: `{ "<clientId>": { "x": { "accessToken": "…" }, … } }`. */
export const CredentialsFileSchema = z.record(ClientIdSchema, ClientCredentialsSchema);

/** Contents of a credentials file. */
export type CredentialsFile = z.infer<typeof CredentialsFileSchema>;

/**
 * The issues of a failed parse as `path: reason`. zod's messages state the expected type, not the
 * received value, and unknown keys are field names, so no token is echoed.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
