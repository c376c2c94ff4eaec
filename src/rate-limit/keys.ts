/**
 * Redis keys of the rate limiter. Every key of one platform carries the hash tag `{<platform>}`, so
 * the app budget and any account budget of that platform sit in one Cluster slot and one Lua
 * script can charge them together.
 *
 * ```
 * <prefix>:rl:{<platform>}:app:<appBucket>                 hash {we: window end ms, used}
 * <prefix>:rl:{<platform>}:acct:<endpoint>:<clientId>      hash {we, used}
 * <prefix>:rl:{<platform>}:block:app:<appBucket>           string: blocked until (epoch ms)
 * <prefix>:rl:{<platform>}:block:acct:<endpoint>:<clientId> string: blocked until (epoch ms)
 * <prefix>:rl:{<platform>}:fair:g:<appBucket>              zset clientId -> virtual grants (fairness)
 * <prefix>:rl:{<platform>}:fair:seen:<appBucket>           zset clientId -> last asked (epoch ms)
 * ```
 * Every key expires on its own (PEXPIRE) shortly after it stops mattering.
 */
import type { Platform } from '../domain/platform.js';

/** The keys one acquire for (platform, endpoint, clientId) touches. */
export interface RateLimitKeys {
  appBucket: string;
  accountBucket: string;
  appBlock: string;
  accountBlock: string;
  fairGrants: string;
  fairSeen: string;
}

/** The hash-tagged root of one platform's keys: `<prefix>:rl:{<platform>}`. */
export function platformRoot(prefix: string, platform: Platform): string {
  return `${prefix}:rl:{${platform}}`;
}

/**
 * Build the keys for one request.
 * @param prefix - deployment key prefix (default `ep`)
 * @param appBucket - the app bucket name (usually the endpoint key)
 */
export function buildRateLimitKeys(
  prefix: string,
  platform: Platform,
  endpoint: string,
  appBucket: string,
  clientId: string,
): RateLimitKeys {
  const root = platformRoot(prefix, platform);
  return {
    appBucket: `${root}:app:${appBucket}`,
    accountBucket: `${root}:acct:${endpoint}:${clientId}`,
    appBlock: `${root}:block:app:${appBucket}`,
    accountBlock: `${root}:block:acct:${endpoint}:${clientId}`,
    fairGrants: `${root}:fair:g:${appBucket}`,
    fairSeen: `${root}:fair:seen:${appBucket}`,
  };
}
