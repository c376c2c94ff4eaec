/**
 * Loads the store's Lua scripts (`lua/*.lua`) and registers them on an ioredis connection with
 * `defineCommand`, which sends EVALSHA and falls back to EVAL, in plain calls and in pipelines.
 */
import { readFileSync } from 'node:fs';
import type { ChainableCommander, Redis } from 'ioredis';

/** Script names and their key counts (`-1`: the count is passed as the first argument). */
const SCRIPTS = {
  register: 3,
  save: 3,
  delete: -1,
  'claim-due': 1,
  'begin-poll': 2,
  'commit-poll': 6,
  'release-lock': 1,
} as const;

/** Name of a store script. */
export type StoreScriptName = keyof typeof SCRIPTS;

const commandName = (name: StoreScriptName): string => `ep_store_${name.replace(/-/g, '_')}`;

/** Register every store script on `redis` (idempotent). */
export function defineStoreScripts(redis: Redis): void {
  for (const [name, numberOfKeys] of Object.entries(SCRIPTS) as [StoreScriptName, number][]) {
    const cmd = commandName(name);
    if (cmd in redis) continue;
    const lua = readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
    redis.defineCommand(cmd, numberOfKeys >= 0 ? { lua, numberOfKeys } : { lua });
  }
}

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Run a store script on a connection (or queue it on a pipeline). */
export function runStoreScript(
  target: Redis | ChainableCommander,
  name: StoreScriptName,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  const fn = (target as unknown as Record<string, ScriptFn | undefined>)[commandName(name)];
  if (typeof fn !== 'function') {
    throw new Error(`store script ${name} is not defined on this connection`);
  }
  const withCount = SCRIPTS[name] >= 0 ? [...keys, ...args] : [keys.length, ...keys, ...args];
  return fn.apply(target, withCount);
}
