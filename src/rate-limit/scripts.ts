/**
 * Typed wrappers of the rate limiter's Lua scripts (`lua/*.lua`; each file's header is the
 * contract). Each wrapper checks the reply's shape and maps reason codes to names. Scripts run by
 * EVALSHA and are loaded with EVAL on NOSCRIPT.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/** A loaded Lua script: its source and SHA1. */
interface LuaScript {
  name: string;
  source: string;
  sha: string;
}

function loadScript(name: string): LuaScript {
  const source = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

const ACQUIRE = loadScript('acquire');
const FEEDBACK = loadScript('feedback');
const BLOCK = loadScript('block');

async function runScript(
  redis: Redis,
  script: LuaScript,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
): Promise<unknown> {
  try {
    return await redis.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return redis.eval(script.source, keys.length, ...keys, ...args);
    }
    throw err;
  }
}

function parseReply<T>(script: LuaScript, schema: z.ZodType<T>, reply: unknown): T {
  const parsed = schema.safeParse(reply);
  if (!parsed.success) {
    throw new Error(`unexpected reply from ${script.name}.lua: ${JSON.stringify(reply)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Why acquire.lua refused, by its reason code. */
export const ACQUIRE_REFUSAL_REASONS = {
  1: 'app_blocked',
  2: 'account_blocked',
  3: 'account_exhausted',
  4: 'app_exhausted',
  5: 'fair_share',
} as const;
/** A refusal reason of acquire.lua. */
export type AcquireRefusalReason =
  (typeof ACQUIRE_REFUSAL_REASONS)[keyof typeof ACQUIRE_REFUSAL_REASONS];

const AcquireReplySchema = z.union([
  z.tuple([z.literal(1), z.number().int(), z.number().int()]),
  z.tuple([
    z.literal(0),
    z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
    z.number().int(),
    z.number().int(),
  ]),
]);

/** Inputs of acquire.lua (see its header). Limits are effective limits; -1 = no such budget. */
export interface AcquireScriptArgs {
  nowMs: number;
  cost: number;
  clientId: string;
  appLimit: number;
  appWindowMs: number;
  appAligned: boolean;
  accountLimit: number;
  accountWindowMs: number;
  accountAligned: boolean;
  scarceBelow: number;
  activeMs: number;
  weight: number;
  fairRetryMs: number;
  keyTtlSlackMs: number;
}

/** What acquire.lua decided. Remaining is -1 for a budget that does not exist. */
export type AcquireScriptResult =
  | { granted: true; appRemaining: number; accountRemaining: number }
  | { granted: false; reason: AcquireRefusalReason; retryInMs: number; resetAtMs: number };

/** Run acquire.lua. KEYS: app bucket, account bucket, app block, account block, fair g, fair seen. */
export async function runAcquire(
  redis: Redis,
  keys: readonly [string, string, string, string, string, string],
  a: AcquireScriptArgs,
): Promise<AcquireScriptResult> {
  const reply = await runScript(redis, ACQUIRE, keys, [
    a.nowMs,
    a.cost,
    a.clientId,
    a.appLimit,
    a.appWindowMs,
    a.appAligned ? 1 : 0,
    a.accountLimit,
    a.accountWindowMs,
    a.accountAligned ? 1 : 0,
    a.scarceBelow,
    a.activeMs,
    a.weight,
    a.fairRetryMs,
    a.keyTtlSlackMs,
  ]);
  const r = parseReply(ACQUIRE, AcquireReplySchema, reply);
  if (r[0] === 1) return { granted: true, appRemaining: r[1], accountRemaining: r[2] };
  return {
    granted: false,
    reason: ACQUIRE_REFUSAL_REASONS[r[1]],
    retryInMs: r[2],
    resetAtMs: r[3],
  };
}

/** Inputs of feedback.lua (see its header); -1 = not reported. */
export interface FeedbackScriptArgs {
  nowMs: number;
  rawLimit: number;
  remaining: number;
  resetAtMs: number;
  windowMs: number;
  aligned: boolean;
  keyTtlSlackMs: number;
}

const FeedbackReplySchema = z.tuple([
  z.union([z.literal(0), z.literal(1)]),
  z.number().int(),
  z.number().int(),
]);

/** Run feedback.lua on one bucket hash. */
export async function runFeedback(
  redis: Redis,
  bucketKey: string,
  a: FeedbackScriptArgs,
): Promise<{ changed: boolean; used: number; windowEndMs: number }> {
  const reply = await runScript(
    redis,
    FEEDBACK,
    [bucketKey],
    [a.nowMs, a.rawLimit, a.remaining, a.resetAtMs, a.windowMs, a.aligned ? 1 : 0, a.keyTtlSlackMs],
  );
  const [changed, used, windowEndMs] = parseReply(FEEDBACK, FeedbackReplySchema, reply);
  return { changed: changed === 1, used, windowEndMs };
}

/** Inputs of block.lua (see its header); -1 = not given. */
export interface BlockScriptArgs {
  nowMs: number;
  untilMs: number;
  cooldownMs: number;
  windowMs: number;
  aligned: boolean;
  keyTtlSlackMs: number;
}

/** Run block.lua; resolves to the moment the bucket is blocked until (epoch ms). */
export async function runBlock(
  redis: Redis,
  blockKey: string,
  bucketKey: string,
  a: BlockScriptArgs,
): Promise<number> {
  const reply = await runScript(
    redis,
    BLOCK,
    [blockKey, bucketKey],
    [a.nowMs, a.untilMs, a.cooldownMs, a.windowMs, a.aligned ? 1 : 0, a.keyTtlSlackMs],
  );
  return parseReply(BLOCK, z.number().int(), reply);
}
