/**
 * The platform adapters, built in one place: {@link createPlatformAdapters} turns one options object
 * (credentials, base URLs, per-platform settings) into an adapter per platform.
 */
import type { Clock } from '../domain/clock.js';
import type { Platform } from '../domain/platform.js';
import type { CredentialProvider, PlatformAdapter } from './connector.js';
import { LinkedInAdapter, type LinkedInAdapterOptions } from './linkedin/adapter.js';
import { LinkedInClient, type LinkedInClientOptions } from './linkedin/client.js';
import { TikTokAdapter, type TikTokAdapterOptions } from './tiktok/adapter.js';
import { TikTokClient, type TikTokClientOptions } from './tiktok/client.js';
import { XAdapter, type XAdapterOptions } from './x/adapter.js';
import { XClient, type XClientOptions } from './x/client.js';

export { LinkedInAdapter, LinkedInClient, TikTokAdapter, TikTokClient, XAdapter, XClient };
export { LinkedInPoller } from './linkedin/poller.js';
export { TikTokPoller } from './tiktok/poller.js';
export { XPoller } from './x/poller.js';

type Shared = 'credentials' | 'clock' | 'fetch' | 'timeoutMs';

/** Options of {@link createPlatformAdapters}. */
export interface PlatformAdaptersOptions {
  credentials: CredentialProvider;
  /**
   * One scheme+host serving every platform under its real paths (the simulator); per-platform
   * base URLs below win over it. @defaultValue each platform's real API host
   */
  baseUrl?: string;
  /** Per-request timeout for every platform. @defaultValue 10_000 */
  timeoutMs?: number;
  /** Source of now. @defaultValue systemClock */
  clock?: Clock;
  /** A fetch to use instead of the default keep-alive `node:http` transport (tests). */
  fetch?: typeof fetch;
  /** X client and adapter settings. @defaultValue {} */
  x?: Omit<XClientOptions, Shared> & Omit<XAdapterOptions, 'client' | 'clock'>;
  /** LinkedIn client and adapter settings. @defaultValue {} */
  linkedin?: Omit<LinkedInClientOptions, Shared> & Omit<LinkedInAdapterOptions, 'client' | 'clock'>;
  /** TikTok client and adapter settings. @defaultValue {} */
  tiktok?: Omit<TikTokClientOptions, Shared> & Omit<TikTokAdapterOptions, 'client'>;
}

/** One adapter per platform, sharing credentials, clock, fetch and timeout. */
export function createPlatformAdapters(
  options: PlatformAdaptersOptions,
): Readonly<Record<Platform, PlatformAdapter>> {
  const shared: Pick<XClientOptions, Shared> = { credentials: options.credentials };
  if (options.clock !== undefined) shared.clock = options.clock;
  if (options.fetch !== undefined) shared.fetch = options.fetch;
  if (options.timeoutMs !== undefined) shared.timeoutMs = options.timeoutMs;
  const x = options.x ?? {};
  const linkedin = options.linkedin ?? {};
  const tiktok = options.tiktok ?? {};
  const base = options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl };
  const tiktokBase =
    options.baseUrl === undefined
      ? {}
      : { businessBaseUrl: options.baseUrl, researchBaseUrl: options.baseUrl };
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  return Object.freeze({
    x: new XAdapter({ ...x, ...clock, client: new XClient({ ...base, ...x, ...shared }) }),
    linkedin: new LinkedInAdapter({
      ...linkedin,
      ...clock,
      client: new LinkedInClient({ ...base, ...linkedin, ...shared }),
    }),
    tiktok: new TikTokAdapter({
      ...tiktok,
      client: new TikTokClient({ ...tiktokBase, ...tiktok, ...shared }),
    }),
  });
}
