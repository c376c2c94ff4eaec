/**
 * The simulated world: clients, their accounts and tokens on every platform, their posts and
 * videos, and the comments, replies, mentions and DMs a seeded traffic generator adds over time.
 * Time only moves when {@link World.advanceTo} is called (the server calls it with its clock's time
 * before every request), so a test drives an hour of activity by moving a ManualClock.
 */
import type { Platform, ResourceType } from '../domain/platform.js';
import { IdFactory } from './ids.js';
import type { FaultOptions, SimulatorConfig, TrafficOptions } from './options.js';
import { Random } from './random.js';

/** What kind of item an item is. */
export type ItemKind =
  | 'x_mention'
  | 'x_reply'
  | 'x_dm'
  | 'linkedin_comment'
  | 'linkedin_mention'
  | 'linkedin_message'
  | 'tiktok_comment';

/** One comment, reply, mention or DM, with everything the endpoints render from it. */
export interface SimItem {
  kind: ItemKind;
  platform: Platform;
  clientId: string;
  resourceType: ResourceType;
  /** The resource's id (`null` for account-wide resources: X DMs, LinkedIn inbox). */
  resourceId: string | null;
  /** The platform's id of the item; the event id is `<platform>:<itemId>`. */
  itemId: string;
  createdAtMs: number;
  /** When the API starts showing it (later than `createdAtMs` for late-indexed X items). */
  visibleAtMs: number;
  deletedAtMs: number | null;
  /** When an answer first contained it. */
  firstServedAtMs: number | null;
  lateIndexed: boolean;
  text: string;
  /** X user id, LinkedIn person URN, TikTok hashed user id. */
  authorId: string;
  authorName: string;
  /** The post, video or conversation it belongs to (X conversation id, LinkedIn post URN, TikTok video id). */
  postId: string | null;
  /** X DM conversation id, LinkedIn conversation id, LinkedIn activity URN of the post. */
  threadId: string | null;
  /** Fixed random order key (TikTok's unsorted order). */
  orderKey: number;
  likes: number;
  replies: number;
  /** For LinkedIn messages: when a newer message in the same conversation replaced it in the listing. */
  supersededAtMs: number | null;
  /** Rendering cache: the key it was rendered for and the JSON text (items never change). */
  jsonKey: string | null;
  json: string | null;
}

/** A post (X post, LinkedIn post, TikTok video) of a client. */
export interface SimPost {
  platform: Platform;
  clientId: string;
  /** X post id, LinkedIn share URN, TikTok video id. */
  id: string;
  /** LinkedIn only: the activity URN comments name as their `object`. */
  activityUrn: string | null;
  createdAtMs: number;
  hotness: number;
  deleted: boolean;
}

/** A client's accounts on the three platforms. */
export interface SimClient {
  clientId: string;
  /** Relative activity of this client (mean about 1). */
  weight: number;
  x: { userId: string; username: string; name: string };
  linkedin: { memberUrn: string; organizationUrn: string };
  tiktok: { businessId: string; username: string };
  posts: Record<Platform, SimPost[]>;
}

/** An access token and its state. */
export interface TokenRecord {
  token: string;
  platform: Platform;
  /** `null` for the X app-only Bearer token. */
  clientId: string | null;
  status: 'active' | 'revoked';
  expiresAtMs: number | null;
}

/** A LinkedIn inbox conversation. */
export interface SimConversation {
  id: string;
  clientId: string;
  participantUrn: string;
  createdAtMs: number;
  lastMessage: SimItem;
}

/** A simulated X user (authors of mentions, replies and DMs). */
export interface SimUser {
  id: string;
  username: string;
  name: string;
}

/** One pollable resource, in the shape the poller registers it. */
export interface SimResource {
  clientId: string;
  platform: Platform;
  resourceType: ResourceType;
  resourceId?: string;
}

/** One client's token for one platform, as a credentials file holds it. */
export interface SimCredential {
  clientId: string;
  platform: Platform;
  accessToken: string;
  /** The account id an API needs as a parameter (TikTok `business_id`), or the account's own id. */
  accountId: string;
}

/** One published item as the ground truth lists it. */
export interface TruthItem {
  eventId: string;
  platform: Platform;
  clientId: string;
  resourceType: ResourceType;
  resourceId: string | null;
  itemId: string;
  kind: ItemKind;
  createdAtMs: number;
  /** When it became visible through the API (from then on a poller must emit it). */
  publishedAtMs: number;
  lateIndexed: boolean;
  deletedAtMs: number | null;
  firstServedAtMs: number | null;
  supersededAtMs: number | null;
}

/** Which part of the truth to list. */
export interface TruthFilter {
  clientId?: string;
  platform?: Platform;
  resourceType?: ResourceType;
  resourceId?: string;
}

const WORDS = [
  'love',
  'this',
  'great',
  'post',
  'when',
  'launch',
  'thanks',
  'support',
  'question',
  'about',
  'pricing',
  'wow',
  'amazing',
  'help',
  'please',
  'order',
  'shipping',
  'nice',
  'cool',
  'update',
];

type StreamKind = ItemKind | 'x_post' | 'linkedin_post' | 'tiktok_video';

interface Stream {
  kind: StreamKind;
  /** Events per ms over the whole world. */
  ratePerMs: number;
  nextAtMs: number;
  rng: Random;
}

const HOUR_MS = 3_600_000;

/** Key of one resource's item list. */
function resourceKey(
  clientId: string,
  resourceType: ResourceType,
  resourceId: string | null,
): string {
  return `${clientId}|${resourceType}|${resourceId ?? ''}`;
}

/** The simulated world. */
export class World {
  readonly clients: SimClient[] = [];
  readonly users: SimUser[] = [];
  /** The X app-only Bearer token (per-app limits). */
  readonly xAppToken: string;
  /** The TikTok Research API client token (`clt.…`, app-level). */
  readonly tiktokResearchToken: string;
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #clientTokens = new Map<string, TokenRecord>();
  readonly #byClientId = new Map<string, SimClient>();
  readonly #byXUser = new Map<string, SimClient>();
  readonly #byOrg = new Map<string, SimClient>();
  readonly #byBusiness = new Map<string, SimClient>();
  readonly #posts = new Map<string, SimPost>();
  readonly #items = new Map<string, SimItem[]>();
  readonly #tiktokOrder = new Map<string, SimItem[]>();
  readonly #notifications = new Map<string, SimItem[]>();
  readonly #conversations = new Map<string, SimConversation[]>();
  readonly #all: SimItem[] = [];
  readonly #xIds = IdFactory.x();
  readonly #liIds = IdFactory.linkedin();
  readonly #ttIds = IdFactory.tiktok();
  readonly #streams: Stream[] = [];
  readonly #rng: Random;
  readonly #traffic: TrafficOptions;
  readonly #faults: FaultOptions;
  readonly #tokenTtlMs: SimulatorConfig['tokenTtlMs'];
  #clientCumWeights: number[] = [];
  #nowMs: number;

  /** Build the world as it is at `startMs`: clients, accounts, tokens and a few posts each. */
  constructor(config: SimulatorConfig, startMs: number, faults: FaultOptions = config.faults) {
    this.#rng = new Random(`${config.seed}/world`);
    this.#traffic = config.traffic;
    this.#faults = faults;
    this.#tokenTtlMs = config.tokenTtlMs;
    this.#nowMs = startMs;
    const rng = this.#rng;
    for (let i = 0; i < 500; i++) {
      const username = `${rng.pick(WORDS)}_${rng.string(6)}`;
      this.users.push({
        id: this.#xIds.next(startMs - 400 * 24 * HOUR_MS + i * 1000),
        username,
        name: username.replace('_', ' '),
      });
    }
    this.xAppToken = `AAAAAAAAAAAAAAAAAAAAA${rng.string(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
    this.#tokens.set(this.xAppToken, {
      token: this.xAppToken,
      platform: 'x',
      clientId: null,
      status: 'active',
      expiresAtMs: null,
    });
    this.tiktokResearchToken = `clt.${new Random(`${config.seed}/research`).string(40)}`;
    this.#tokens.set(this.tiktokResearchToken, {
      token: this.tiktokResearchToken,
      platform: 'tiktok',
      clientId: null,
      status: 'active',
      expiresAtMs: null,
    });
    for (let i = 0; i < config.clients; i++) this.#addClient(i, startMs, config.postsPerClient);
    this.#rebuildClientWeights();
    const t = this.#traffic;
    const perHour = (n: number): number => (n * config.clients) / HOUR_MS;
    const streams: [StreamKind, number][] = [
      ['x_mention', perHour(t.xMentionsPerHour)],
      ['x_reply', perHour(t.xRepliesPerHour)],
      ['x_dm', perHour(t.xDmsPerHour)],
      ['linkedin_comment', perHour(t.linkedinCommentsPerHour)],
      ['linkedin_mention', perHour(t.linkedinMentionsPerHour)],
      ['linkedin_message', perHour(t.linkedinMessagesPerHour)],
      ['tiktok_comment', perHour(t.tiktokCommentsPerHour)],
      ['x_post', perHour(t.newPostsPerDay / 24)],
      ['linkedin_post', perHour(t.newPostsPerDay / 24)],
      ['tiktok_video', perHour(t.newPostsPerDay / 24)],
    ];
    for (const [kind, ratePerMs] of streams) {
      const streamRng = new Random(`${config.seed}/stream/${kind}`);
      const nextAtMs = ratePerMs > 0 ? startMs + streamRng.exponential(1 / ratePerMs) : Infinity;
      this.#streams.push({ kind, ratePerMs, nextAtMs, rng: streamRng });
    }
  }

  /** The world's current time (the latest time it was advanced to). */
  get nowMs(): number {
    return this.#nowMs;
  }

  /**
   * Generate all traffic up to `targetMs`. Deterministic: the same seed and the same final time
   * give the same items, however the time was split into calls. Times in the past are ignored.
   */
  advanceTo(targetMs: number): void {
    if (targetMs <= this.#nowMs) return;
    for (;;) {
      let next: Stream | undefined;
      for (const s of this.#streams) if (next === undefined || s.nextAtMs < next.nextAtMs) next = s;
      if (next === undefined || next.nextAtMs > targetMs) break;
      const atMs = Math.floor(next.nextAtMs);
      this.#generate(next, Math.max(atMs, 0));
      next.nextAtMs += Math.max(1, next.rng.exponential(1 / next.ratePerMs));
    }
    this.#nowMs = targetMs;
  }

  // ---- lookups used by the endpoints ----

  /** A token's record, or undefined when the platform never issued it. */
  token(token: string): TokenRecord | undefined {
    return this.#tokens.get(token);
  }

  /** A client by id. */
  client(clientId: string): SimClient | undefined {
    return this.#byClientId.get(clientId);
  }

  /** The client owning an X user id. */
  clientByXUser(userId: string): SimClient | undefined {
    return this.#byXUser.get(userId);
  }

  /** The client owning a LinkedIn organization URN. */
  clientByOrganization(orgUrn: string): SimClient | undefined {
    return this.#byOrg.get(orgUrn);
  }

  /** The client owning a TikTok business id. */
  clientByBusiness(businessId: string): SimClient | undefined {
    return this.#byBusiness.get(businessId);
  }

  /** A post by platform and id (LinkedIn: share or activity URN). */
  post(platform: Platform, id: string): SimPost | undefined {
    return this.#posts.get(`${platform}|${id}`);
  }

  /** An X user by id (authors and clients). */
  xUser(id: string): SimUser | undefined {
    const client = this.#byXUser.get(id);
    if (client) return { id, username: client.x.username, name: client.x.name };
    return this.#userById.get(id);
  }

  readonly #userById = new Map<string, SimUser>();

  /**
   * The live (not deleted) items of a resource, ordered by id ascending (creation order).
   * Includes items not yet visible (late-indexed); callers check `visibleAtMs`.
   */
  itemsOf(
    clientId: string,
    resourceType: ResourceType,
    resourceId: string | null,
  ): readonly SimItem[] {
    return this.#items.get(resourceKey(clientId, resourceType, resourceId)) ?? [];
  }

  /** A TikTok video's live comments in the platform's fixed "random" order. */
  tiktokRandomOrder(videoId: string): readonly SimItem[] {
    return this.#tiktokOrder.get(videoId) ?? [];
  }

  /** The notifications (mentions and comments) of a LinkedIn organization, oldest first. */
  notificationsOf(orgUrn: string): readonly SimItem[] {
    return this.#notifications.get(orgUrn) ?? [];
  }

  /** A client's LinkedIn inbox conversations. */
  conversationsOf(clientId: string): readonly SimConversation[] {
    return this.#conversations.get(clientId) ?? [];
  }

  /** An item's id for X items, looked up across resources (for `GET /2/tweets`). */
  xPostOrItem(id: string): SimItem | SimPost | undefined {
    return this.#xById.get(id) ?? this.#posts.get(`x|${id}`);
  }

  readonly #xById = new Map<string, SimItem>();

  /** Record that an answer served `item` at `atMs` (first time only). */
  markServed(item: SimItem, atMs: number): void {
    if (item.firstServedAtMs === null) item.firstServedAtMs = atMs;
  }

  /** Delete an item: it disappears from every listing; the truth keeps it with `deletedAtMs`. */
  deleteItem(item: SimItem, atMs: number): void {
    if (item.deletedAtMs !== null) return;
    item.deletedAtMs = atMs;
    removeFrom(
      this.#items.get(resourceKey(item.clientId, item.resourceType, item.resourceId)),
      item,
    );
    if (item.kind === 'tiktok_comment' && item.postId !== null) {
      removeFrom(this.#tiktokOrder.get(item.postId), item);
    }
    if (item.kind === 'linkedin_comment' || item.kind === 'linkedin_mention') {
      const client = this.#byClientId.get(item.clientId);
      if (client) removeFrom(this.#notifications.get(client.linkedin.organizationUrn), item);
    }
    if (item.platform === 'x') this.#xById.delete(item.itemId);
  }

  /** Delete a post or video: its comments stop being listed and the endpoints answer "not found". */
  deletePost(platform: Platform, id: string): boolean {
    const post = this.#posts.get(`${platform}|${id}`);
    if (!post) return false;
    post.deleted = true;
    return true;
  }

  // ---- tokens ----

  /** The current token of a client on a platform. */
  tokenOf(clientId: string, platform: Platform): TokenRecord {
    const rec = this.#clientTokens.get(`${clientId}|${platform}`);
    if (!rec) throw new Error(`no such client: ${clientId}`);
    return rec;
  }

  /** Revoke a client's token on a platform (the account disconnected the app). */
  revoke(clientId: string, platform: Platform): void {
    this.tokenOf(clientId, platform).status = 'revoked';
  }

  /** Make a client's token expire now. */
  expire(clientId: string, platform: Platform): void {
    this.tokenOf(clientId, platform).expiresAtMs = this.#nowMs;
  }

  /** Issue a fresh token for a client (re-authorization); the old one stops working. */
  reissue(clientId: string, platform: Platform): string {
    const old = this.tokenOf(clientId, platform);
    old.status = 'revoked';
    const rec = this.#issueToken(clientId, platform, this.#nowMs, `${old.token}/r`);
    return rec.token;
  }

  // ---- listings for callers ----

  /** Every pollable resource of one client or of all clients, as the poller registers them. */
  resources(clientId?: string): SimResource[] {
    const out: SimResource[] = [];
    for (const c of this.clients) {
      if (clientId !== undefined && c.clientId !== clientId) continue;
      const id = c.clientId;
      out.push({ clientId: id, platform: 'x', resourceType: 'mentions', resourceId: c.x.userId });
      out.push({ clientId: id, platform: 'x', resourceType: 'dms' });
      for (const p of c.posts.x) {
        if (!p.deleted)
          out.push({ clientId: id, platform: 'x', resourceType: 'replies', resourceId: p.id });
      }
      for (const p of c.posts.linkedin) {
        if (!p.deleted) {
          out.push({
            clientId: id,
            platform: 'linkedin',
            resourceType: 'comments',
            resourceId: p.id,
          });
        }
      }
      out.push({ clientId: id, platform: 'linkedin', resourceType: 'inbox' });
      out.push({
        clientId: id,
        platform: 'linkedin',
        resourceType: 'mentions',
        resourceId: c.linkedin.organizationUrn,
      });
      for (const p of c.posts.tiktok) {
        if (!p.deleted) {
          out.push({
            clientId: id,
            platform: 'tiktok',
            resourceType: 'comments',
            resourceId: p.id,
          });
        }
      }
    }
    return out;
  }

  /** Every client's current token per platform (for a credentials file). */
  credentials(): SimCredential[] {
    return this.clients.flatMap((c) => [
      {
        clientId: c.clientId,
        platform: 'x' as const,
        accessToken: this.tokenOf(c.clientId, 'x').token,
        accountId: c.x.userId,
      },
      {
        clientId: c.clientId,
        platform: 'linkedin' as const,
        accessToken: this.tokenOf(c.clientId, 'linkedin').token,
        accountId: c.linkedin.memberUrn,
      },
      {
        clientId: c.clientId,
        platform: 'tiktok' as const,
        accessToken: this.tokenOf(c.clientId, 'tiktok').token,
        accountId: c.tiktok.businessId,
      },
    ]);
  }

  /**
   * The ground truth: every item visible through the API at the world's current time (published),
   * including those deleted since, ordered by publish time.
   */
  truth(filter: TruthFilter = {}): TruthItem[] {
    const out: TruthItem[] = [];
    for (const item of this.#all) {
      if (item.visibleAtMs > this.#nowMs) continue;
      if (filter.clientId !== undefined && item.clientId !== filter.clientId) continue;
      if (filter.platform !== undefined && item.platform !== filter.platform) continue;
      if (filter.resourceType !== undefined && item.resourceType !== filter.resourceType) continue;
      if (filter.resourceId !== undefined && item.resourceId !== filter.resourceId) continue;
      out.push({
        // The poller's event id (scoped to client and resource type): LinkedIn notifications are
        // keyed by action plus activity, as LinkedIn advises for deduplication; everything else by
        // the item's own id.
        eventId: `${item.platform}:${item.clientId}:${item.resourceType}:${
          item.kind === 'linkedin_mention' ? `SHARE_MENTION:${item.itemId}` : item.itemId
        }`,
        platform: item.platform,
        clientId: item.clientId,
        resourceType: item.resourceType,
        resourceId: item.resourceId,
        itemId: item.itemId,
        kind: item.kind,
        createdAtMs: item.createdAtMs,
        publishedAtMs: item.visibleAtMs,
        lateIndexed: item.lateIndexed,
        deletedAtMs: item.deletedAtMs,
        firstServedAtMs: item.firstServedAtMs,
        supersededAtMs: item.supersededAtMs,
      });
    }
    return out.sort((a, b) => a.publishedAtMs - b.publishedAtMs);
  }

  // ---- construction and generation ----

  #addClient(index: number, startMs: number, postsPerClient: number): void {
    const rng = this.#rng;
    const clientId = `client-${String(index + 1).padStart(3, '0')}`;
    const username = `brand${index + 1}_${rng.string(4)}`;
    const client: SimClient = {
      clientId,
      weight: rng.pareto(this.#traffic.clientSkewAlpha),
      x: {
        userId: this.#xIds.next(startMs - 300 * 24 * HOUR_MS + index * 1000),
        username,
        name: `Brand ${index + 1}`,
      },
      linkedin: {
        memberUrn: `urn:li:person:${rng.string(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`,
        organizationUrn: `urn:li:organization:${10_000_000 + index * 7919 + rng.int(0, 7000)}`,
      },
      tiktok: { businessId: `-000${rng.string(28, '0123456789abcdef')}`, username },
      posts: { x: [], linkedin: [], tiktok: [] },
    };
    this.clients.push(client);
    this.#byClientId.set(clientId, client);
    this.#byXUser.set(client.x.userId, client);
    this.#byOrg.set(client.linkedin.organizationUrn, client);
    this.#byBusiness.set(client.tiktok.businessId, client);
    for (const platform of ['x', 'linkedin', 'tiktok'] as const) {
      this.#issueToken(clientId, platform, startMs, `${clientId}/${platform}`);
      const ages = Array.from({ length: postsPerClient }, () => rng.next() * 3 * 24 * HOUR_MS);
      for (const age of ages.sort((a, b) => b - a)) this.#addPost(client, platform, startMs - age);
    }
  }

  #issueToken(clientId: string, platform: Platform, atMs: number, salt: string): TokenRecord {
    const rng = new Random(`${salt}/${this.#rng.next()}`);
    const token =
      platform === 'x'
        ? `${rng.int(100_000_000, 999_999_999)}-${rng.string(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`
        : platform === 'linkedin'
          ? `AQ${rng.string(60, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')}`
          : `act.${rng.string(56, '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ')}!${rng.int(1000, 9999)}.va`;
    const ttl = this.#tokenTtlMs[platform];
    const rec: TokenRecord = {
      token,
      platform,
      clientId,
      status: 'active',
      expiresAtMs: ttl === null ? null : atMs + ttl,
    };
    this.#tokens.set(token, rec);
    this.#clientTokens.set(`${clientId}|${platform}`, rec);
    return rec;
  }

  #addPost(client: SimClient, platform: Platform, atMs: number): SimPost {
    const hotness = this.#rng.pareto(this.#traffic.hotnessAlpha);
    let post: SimPost;
    if (platform === 'x') {
      post = {
        platform,
        clientId: client.clientId,
        id: this.#xIds.next(atMs),
        activityUrn: null,
        createdAtMs: atMs,
        hotness,
        deleted: false,
      };
    } else if (platform === 'linkedin') {
      const shareId = this.#liIds.next(atMs);
      const activityId = this.#liIds.next(atMs);
      post = {
        platform,
        clientId: client.clientId,
        id: `urn:li:share:${shareId}`,
        activityUrn: `urn:li:activity:${activityId}`,
        createdAtMs: atMs,
        hotness,
        deleted: false,
      };
      this.#posts.set(`linkedin|${post.activityUrn}`, post);
    } else {
      post = {
        platform,
        clientId: client.clientId,
        id: this.#ttIds.next(atMs, this.#rng.int(0, 2 ** 31)),
        activityUrn: null,
        createdAtMs: atMs,
        hotness,
        deleted: false,
      };
    }
    client.posts[platform].push(post);
    this.#posts.set(`${platform}|${post.id}`, post);
    return post;
  }

  #rebuildClientWeights(): void {
    let sum = 0;
    this.#clientCumWeights = this.clients.map((c) => (sum += c.weight));
  }

  #pickClient(rng: Random): SimClient {
    const total = this.#clientCumWeights[this.#clientCumWeights.length - 1] ?? 0;
    const r = rng.next() * total;
    let lo = 0;
    let hi = this.#clientCumWeights.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#clientCumWeights[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    const client = this.clients[lo];
    if (!client) throw new Error('the world has no clients');
    return client;
  }

  /** A live post of the client, weighted by hotness and decaying with age; undefined when none. */
  #pickPost(rng: Random, client: SimClient, platform: Platform, atMs: number): SimPost | undefined {
    const posts = client.posts[platform];
    const halfLife = this.#traffic.activityHalfLifeMs;
    let total = 0;
    const weights = posts.map((p) => {
      const w = p.deleted ? 0 : p.hotness * Math.pow(2, -(atMs - p.createdAtMs) / halfLife);
      total += w;
      return w;
    });
    if (total <= 0) return undefined;
    let r = rng.next() * total;
    for (let i = 0; i < posts.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return posts[i];
    }
    return posts.find((p) => !p.deleted);
  }

  #text(rng: Random, prefix: string): string {
    const n = rng.int(2, 9);
    const words: string[] = [];
    for (let i = 0; i < n; i++) words.push(rng.pick(WORDS));
    return `${prefix}${words.join(' ')}`;
  }

  #newItem(
    fields: Omit<
      SimItem,
      | 'deletedAtMs'
      | 'firstServedAtMs'
      | 'supersededAtMs'
      | 'orderKey'
      | 'likes'
      | 'replies'
      | 'lateIndexed'
      | 'visibleAtMs'
      | 'jsonKey'
      | 'json'
    > &
      Partial<SimItem>,
  ): SimItem {
    const item: SimItem = {
      deletedAtMs: null,
      firstServedAtMs: null,
      supersededAtMs: null,
      orderKey: 0,
      likes: 0,
      replies: 0,
      lateIndexed: false,
      visibleAtMs: fields.createdAtMs,
      ...fields,
      jsonKey: null,
      json: null,
    };
    const key = resourceKey(item.clientId, item.resourceType, item.resourceId);
    let list = this.#items.get(key);
    if (!list) this.#items.set(key, (list = []));
    list.push(item);
    this.#all.push(item);
    if (item.platform === 'x') this.#xById.set(item.itemId, item);
    return item;
  }

  #generate(stream: Stream, atMs: number): void {
    const rng = stream.rng;
    const client = this.#pickClient(rng);
    const late = (): { lateIndexed: boolean; visibleAtMs: number } =>
      rng.chance(this.#faults.lateIndexRate)
        ? { lateIndexed: true, visibleAtMs: atMs + this.#faults.lateIndexDelayMs }
        : { lateIndexed: false, visibleAtMs: atMs };
    switch (stream.kind) {
      case 'x_post':
      case 'linkedin_post':
      case 'tiktok_video': {
        const platform =
          stream.kind === 'x_post' ? 'x' : stream.kind === 'linkedin_post' ? 'linkedin' : 'tiktok';
        this.#addPost(client, platform, atMs);
        return;
      }
      case 'x_mention': {
        const author = rng.pick(this.users);
        const id = this.#xIds.next(atMs);
        this.#newItem({
          kind: 'x_mention',
          platform: 'x',
          clientId: client.clientId,
          resourceType: 'mentions',
          resourceId: client.x.userId,
          itemId: id,
          createdAtMs: atMs,
          ...late(),
          text: this.#text(rng, `@${client.x.username} `),
          authorId: author.id,
          authorName: author.username,
          postId: id,
          threadId: null,
        });
        this.#userById.set(author.id, author);
        return;
      }
      case 'x_reply': {
        const post = this.#pickPost(rng, client, 'x', atMs);
        if (!post) return;
        const author = rng.pick(this.users);
        this.#newItem({
          kind: 'x_reply',
          platform: 'x',
          clientId: client.clientId,
          resourceType: 'replies',
          resourceId: post.id,
          itemId: this.#xIds.next(atMs),
          createdAtMs: atMs,
          ...late(),
          text: this.#text(rng, `@${client.x.username} `),
          authorId: author.id,
          authorName: author.username,
          postId: post.id,
          threadId: null,
        });
        this.#userById.set(author.id, author);
        return;
      }
      case 'x_dm': {
        const author = rng.pick(this.users);
        const [a, b] =
          BigInt(author.id) < BigInt(client.x.userId)
            ? [author.id, client.x.userId]
            : [client.x.userId, author.id];
        this.#newItem({
          kind: 'x_dm',
          platform: 'x',
          clientId: client.clientId,
          resourceType: 'dms',
          resourceId: null,
          itemId: this.#xIds.next(atMs),
          createdAtMs: atMs,
          text: this.#text(rng, ''),
          authorId: author.id,
          authorName: author.username,
          postId: null,
          threadId: `${a}-${b}`,
        });
        this.#userById.set(author.id, author);
        return;
      }
      case 'linkedin_comment': {
        const post = this.#pickPost(rng, client, 'linkedin', atMs);
        if (!post) return;
        const item = this.#newItem({
          kind: 'linkedin_comment',
          platform: 'linkedin',
          clientId: client.clientId,
          resourceType: 'comments',
          resourceId: post.id,
          itemId: this.#liIds.next(atMs),
          createdAtMs: atMs,
          text: this.#text(rng, ''),
          // About one comment in ten is the organization answering, posted by an admin.
          authorId: rng.chance(0.1)
            ? client.linkedin.organizationUrn
            : `urn:li:person:${rng.string(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`,
          authorName: '',
          postId: post.id,
          threadId: post.activityUrn,
          likes: Math.floor(rng.pareto(2)) - 1,
        });
        this.#pushNotification(client, item);
        return;
      }
      case 'linkedin_mention': {
        const activity = `urn:li:activity:${this.#liIds.next(atMs)}`;
        const item = this.#newItem({
          kind: 'linkedin_mention',
          platform: 'linkedin',
          clientId: client.clientId,
          resourceType: 'mentions',
          resourceId: client.linkedin.organizationUrn,
          itemId: activity,
          createdAtMs: atMs,
          text: this.#text(rng, `Shout-out to Brand ${client.clientId} `),
          authorId: `urn:li:person:${rng.string(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`,
          authorName: '',
          postId: `urn:li:share:${this.#liIds.next(atMs)}`,
          threadId: activity,
        });
        this.#pushNotification(client, item);
        return;
      }
      case 'linkedin_message': {
        const conversations = this.#conversations.get(client.clientId) ?? [];
        this.#conversations.set(client.clientId, conversations);
        const followUp =
          conversations.length > 0 && rng.chance(this.#traffic.linkedinFollowUpChance);
        const conversation = followUp ? rng.pick(conversations) : undefined;
        const participantUrn =
          conversation?.participantUrn ??
          `urn:li:person:${rng.string(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
        const conversationId =
          conversation?.id ??
          `2-${rng.string(32, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}`;
        const item = this.#newItem({
          kind: 'linkedin_message',
          platform: 'linkedin',
          clientId: client.clientId,
          resourceType: 'inbox',
          resourceId: null,
          itemId: this.#liIds.next(atMs),
          createdAtMs: atMs,
          text: this.#text(rng, ''),
          authorId: participantUrn,
          authorName: '',
          postId: null,
          threadId: conversationId,
        });
        if (conversation) {
          conversation.lastMessage.supersededAtMs = atMs;
          conversation.lastMessage = item;
        } else {
          conversations.push({
            id: conversationId,
            clientId: client.clientId,
            participantUrn,
            createdAtMs: atMs,
            lastMessage: item,
          });
        }
        return;
      }
      case 'tiktok_comment': {
        const post = this.#pickPost(rng, client, 'tiktok', atMs);
        if (!post) return;
        const username = `${rng.pick(WORDS)}${rng.string(5, '0123456789')}`;
        const item = this.#newItem({
          kind: 'tiktok_comment',
          platform: 'tiktok',
          clientId: client.clientId,
          resourceType: 'comments',
          resourceId: post.id,
          itemId: this.#ttIds.next(atMs, rng.int(0, 2 ** 31)),
          createdAtMs: atMs,
          text: this.#text(rng, ''),
          authorId: rng.string(64, '0123456789abcdef'),
          authorName: username,
          postId: post.id,
          threadId: null,
          orderKey: rng.next(),
          likes: Math.floor(rng.pareto(1.5)) - 1,
          replies: Math.floor(rng.pareto(3)) - 1,
        });
        let order = this.#tiktokOrder.get(post.id);
        if (!order) this.#tiktokOrder.set(post.id, (order = []));
        order.splice(lowerBound(order, item.orderKey), 0, item);
        return;
      }
      default: {
        const unreachable: never = stream.kind;
        throw new Error(`unknown stream ${String(unreachable)}`);
      }
    }
  }

  #pushNotification(client: SimClient, item: SimItem): void {
    const org = client.linkedin.organizationUrn;
    let list = this.#notifications.get(org);
    if (!list) this.#notifications.set(org, (list = []));
    list.push(item);
  }
}

function lowerBound(items: readonly SimItem[], key: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((items[mid]?.orderKey ?? 0) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function removeFrom(list: SimItem[] | undefined, item: SimItem): void {
  if (!list) return;
  const i = list.lastIndexOf(item);
  if (i >= 0) list.splice(i, 1);
}
