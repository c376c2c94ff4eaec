/**
 * Who is calling: the operator (sees everything) or one client (sees only its own resources).
 * Keys are compared in constant time: each presented key is hashed and compared with the SHA-256 of
 * every configured key with `timingSafeEqual`, without stopping at the first match, so neither the
 * key's content nor which key matched shows in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError, resourceNotFound } from './errors.js';

/** Keys the API accepts (`Config['api']` fits). */
export interface ApiAuthConfig {
  /** Sees and changes every client's resources. Unset: no operator access. */
  operatorKey?: string | undefined;
  /** clientId → key: each sees and changes only its own resources. */
  clientKeys: Readonly<Record<string, string>>;
}

/** The authenticated caller. */
export type Principal = { kind: 'operator' } | { kind: 'client'; clientId: string };

interface HashedKey {
  hash: Buffer;
  principal: Principal;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Resolves `Authorization` headers to principals. */
export class ApiAuthenticator {
  readonly #keys: HashedKey[];

  /** Throws when two principals share a key (a key must identify one caller). */
  constructor(config: ApiAuthConfig) {
    const keys: HashedKey[] = [];
    if (config.operatorKey !== undefined) {
      keys.push({ hash: sha256(config.operatorKey), principal: { kind: 'operator' } });
    }
    for (const [clientId, key] of Object.entries(config.clientKeys)) {
      keys.push({ hash: sha256(key), principal: { kind: 'client', clientId } });
    }
    const distinct = new Set(keys.map((k) => k.hash.toString('hex')));
    if (distinct.size !== keys.length) {
      throw new Error('admin API keys must be distinct: two callers share one key');
    }
    this.#keys = keys;
  }

  /** The principal of an `Authorization` header; throws a 401 ApiError when there is none. */
  authenticate(header: string | undefined): Principal {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (match === null) {
      throw new ApiError('unauthorized', 'send Authorization: Bearer <key>');
    }
    const presented = sha256(match[1] as string);
    let found: Principal | null = null;
    for (const key of this.#keys) {
      if (timingSafeEqual(presented, key.hash) && found === null) found = key.principal;
    }
    if (found === null) throw new ApiError('unauthorized', 'unknown key');
    return found;
  }
}

/**
 * Throws the 404 that a resource of another client gets when `principal` may not act for
 * `clientId`: a client key never learns whether another client or resource exists.
 */
export function assertMayAccessClient(principal: Principal, clientId: string): void {
  if (principal.kind === 'client' && principal.clientId !== clientId) throw resourceNotFound();
}
