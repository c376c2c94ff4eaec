/**
 * The simulator's configuration: the world's size and traffic, each platform's rate limits, and
 * the faults to inject. Every field has a default; callers pass only what they change.
 */

/** How much traffic the generator produces, per client account. */
export interface TrafficOptions {
  /** X mentions of each client's account per hour. @defaultValue 30 */
  xMentionsPerHour: number;
  /** X replies to each client's posts per hour (spread over its posts). @defaultValue 60 */
  xRepliesPerHour: number;
  /** X DMs (MessageCreate events) per client per hour. @defaultValue 6 */
  xDmsPerHour: number;
  /** LinkedIn comments on each client's posts per hour. @defaultValue 20 */
  linkedinCommentsPerHour: number;
  /** LinkedIn mentions (SHARE_MENTION notifications) of each client's organization per hour. @defaultValue 6 */
  linkedinMentionsPerHour: number;
  /** LinkedIn inbox messages per client per hour. @defaultValue 4 */
  linkedinMessagesPerHour: number;
  /** TikTok comments on each client's videos per hour. @defaultValue 60 */
  tiktokCommentsPerHour: number;
  /** New posts (and videos) per client per platform per day. @defaultValue 2 */
  newPostsPerDay: number;
  /** Pareto shape of post hotness: smaller means a few much hotter posts. @defaultValue 1.2 */
  hotnessAlpha: number;
  /** A post's activity halves every this many ms of age. @defaultValue 12 h */
  activityHalfLifeMs: number;
  /** Pareto shape of client activity (some clients are much busier). @defaultValue 2 */
  clientSkewAlpha: number;
  /** Chance that a LinkedIn message continues an existing conversation rather than opening one. @defaultValue 0 */
  linkedinFollowUpChance: number;
}

/** A per-app and per-user (or per-account) limit of one window. `null`: no limit of that kind. */
export interface LimitPair {
  app: number | null;
  user: number | null;
}

/** Rate limits of every platform. */
export interface RateLimitOptions {
  /** Length of an X window. @defaultValue 15 min */
  xWindowMs: number;
  /** X limits per endpoint per window (per app for app-only Bearer tokens, per user for user tokens). */
  x: { mentions: LimitPair; search: LimitPair; dmEvents: LimitPair; lookup: LimitPair };
  /** Which recorded 429 body X sends. @defaultValue 'observed' */
  x429Body: 'observed' | 'documented';
  /** LinkedIn calls per UTC day per endpoint, per application and per member. */
  linkedin: LimitPair;
  /** TikTok Business requests per minute per endpoint: app = whole app, user = one account. */
  tiktok: LimitPair;
  /** TikTok window length. @defaultValue 60 s */
  tiktokWindowMs: number;
  /** After a TikTok per-minute breach every request of that account is refused this long. @defaultValue 5 min */
  tiktokCooldownMs: number;
  /** TikTok Research API requests per UTC day for the app. @defaultValue 1000 */
  tiktokResearchPerDay: number;
}

/** Faults injected at random (each a probability per request) or as fixed amounts. */
export interface FaultOptions {
  /** Chance a request gets a 5xx answer. @defaultValue 0 */
  serverErrorRate: number;
  /** Chance a request never gets an answer (until the server closes). @defaultValue 0 */
  hangRate: number;
  /** Chance a 200 answer is cut short into invalid JSON. @defaultValue 0 */
  malformedRate: number;
  /** Real milliseconds added before each answer. @defaultValue 0 */
  latencyMs: number;
  /** Chance a new X item is indexed late (visible only after newer items, with its lower id). @defaultValue 0 */
  lateIndexRate: number;
  /** How late a late-indexed X item becomes visible. @defaultValue 90 s */
  lateIndexDelayMs: number;
  /** Chance an item served in an answer is deleted right after. @defaultValue 0 */
  deleteAfterServeRate: number;
  /** Chance a page's continuation repeats that page's last item on the next page. @defaultValue 0 */
  duplicateAcrossPagesRate: number;
}

/** Everything `startSimulator` and `createWorld` accept. */
export interface SimulatorConfig {
  /** Seed of the world and of the random faults. @defaultValue 'sim' */
  seed: string;
  /** How many clients the world has; each has one account on every platform. @defaultValue 3 */
  clients: number;
  /** Posts (X posts, LinkedIn posts, TikTok videos) each client starts with per platform. @defaultValue 5 */
  postsPerClient: number;
  /** Traffic the generator produces. */
  traffic: TrafficOptions;
  /** Rate limits. */
  rateLimits: RateLimitOptions;
  /** Faults. */
  faults: FaultOptions;
  /** Token lifetime per platform in ms (`null`: never expires). @defaultValue null for all */
  tokenTtlMs: { x: number | null; linkedin: number | null; tiktok: number | null };
  /** LinkedIn versions older than this (YYYYMM) get 426. @defaultValue '202501' */
  linkedinOldestVersion: string;
  /** X field-parameter naming: `tweet` (tweet.fields, referenced_tweets) or `post`. @defaultValue 'tweet' */
  xFieldNaming: 'tweet' | 'post';
  /** X mentions reach only this many newest items. @defaultValue 800 */
  xMentionsHorizon: number;
  /** Entries kept in the request log (counters are never trimmed). @defaultValue 100000 */
  requestLogLimit: number;
}

/** A partial configuration: every nested field optional. */
export type SimulatorConfigInput = {
  [K in Exclude<keyof SimulatorConfig, 'rateLimits'>]?: SimulatorConfig[K] extends object
    ? { [P in keyof SimulatorConfig[K]]?: SimulatorConfig[K][P] }
    : SimulatorConfig[K];
} & {
  rateLimits?: { [P in Exclude<keyof RateLimitOptions, 'x'>]?: RateLimitOptions[P] } & {
    x?: Partial<RateLimitOptions['x']>;
  };
};

/** The defaults. */
export const DEFAULT_CONFIG: Readonly<SimulatorConfig> = Object.freeze<SimulatorConfig>({
  seed: 'sim',
  clients: 3,
  postsPerClient: 5,
  traffic: {
    xMentionsPerHour: 30,
    xRepliesPerHour: 60,
    xDmsPerHour: 6,
    linkedinCommentsPerHour: 20,
    linkedinMentionsPerHour: 6,
    linkedinMessagesPerHour: 4,
    tiktokCommentsPerHour: 60,
    newPostsPerDay: 2,
    hotnessAlpha: 1.2,
    activityHalfLifeMs: 12 * 3_600_000,
    clientSkewAlpha: 2,
    linkedinFollowUpChance: 0,
  },
  rateLimits: {
    xWindowMs: 15 * 60_000,
    x: {
      mentions: { app: 450, user: 300 },
      search: { app: 450, user: 300 },
      dmEvents: { app: null, user: 15 },
      lookup: { app: 3500, user: 5000 },
    },
    x429Body: 'observed',
    linkedin: { app: 100_000, user: 5_000 },
    tiktok: { app: 600, user: 40 },
    tiktokWindowMs: 60_000,
    tiktokCooldownMs: 5 * 60_000,
    tiktokResearchPerDay: 1000,
  },
  faults: {
    serverErrorRate: 0,
    hangRate: 0,
    malformedRate: 0,
    latencyMs: 0,
    lateIndexRate: 0,
    lateIndexDelayMs: 90_000,
    deleteAfterServeRate: 0,
    duplicateAcrossPagesRate: 0,
  },
  tokenTtlMs: { x: null, linkedin: null, tiktok: null },
  linkedinOldestVersion: '202501',
  xFieldNaming: 'tweet',
  xMentionsHorizon: 800,
  requestLogLimit: 100_000,
});

/** Merge a partial configuration over the defaults (one level of nesting, plus the X limits). */
export function resolveConfig(input: SimulatorConfigInput = {}): SimulatorConfig {
  const d = DEFAULT_CONFIG;
  const rl = input.rateLimits ?? {};
  return {
    seed: input.seed ?? d.seed,
    clients: input.clients ?? d.clients,
    postsPerClient: input.postsPerClient ?? d.postsPerClient,
    traffic: { ...d.traffic, ...stripUndefined(input.traffic ?? {}) },
    rateLimits: {
      ...d.rateLimits,
      ...stripUndefined(rl),
      x: { ...d.rateLimits.x, ...stripUndefined(rl.x ?? {}) },
    },
    faults: { ...d.faults, ...stripUndefined(input.faults ?? {}) },
    tokenTtlMs: { ...d.tokenTtlMs, ...stripUndefined(input.tokenTtlMs ?? {}) },
    linkedinOldestVersion: input.linkedinOldestVersion ?? d.linkedinOldestVersion,
    xFieldNaming: input.xFieldNaming ?? d.xFieldNaming,
    xMentionsHorizon: input.xMentionsHorizon ?? d.xMentionsHorizon,
    requestLogLimit: input.requestLogLimit ?? d.requestLogLimit,
  };
}

function stripUndefined<T extends object>(obj: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
