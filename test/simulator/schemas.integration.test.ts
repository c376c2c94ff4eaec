/**
 * The simulator's answers, fetched by the real connector clients over HTTP, validated with the same
 * zod schemas the connectors use (`src/platforms/<p>/schemas.ts`): full pages item by item, empty
 * pages, and error bodies (whose shape must also match the recorded fixture and classify as the real
 * one does).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ManualClock } from '../../src/domain/clock.js';
import type { PlatformError } from '../../src/domain/errors.js';
import type { Platform } from '../../src/domain/platform.js';
import type { CredentialProvider } from '../../src/platforms/connector.js';
import { LinkedInClient } from '../../src/platforms/linkedin/client.js';
import * as li from '../../src/platforms/linkedin/schemas.js';
import { TikTokClient } from '../../src/platforms/tiktok/client.js';
import * as tt from '../../src/platforms/tiktok/schemas.js';
import { XClient } from '../../src/platforms/x/client.js';
import * as x from '../../src/platforms/x/schemas.js';
import {
  startSimulator,
  type Simulator,
  type SimulatorConfigInput,
} from '../../src/simulator/index.js';
import { loadFixture, shapeOf } from '../helpers/simulator.js';

const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const HOUR = 3_600_000;

interface Recorded {
  status: number;
  text: string;
}

interface Setup {
  sim: Simulator;
  clock: ManualClock;
  /** The last raw answer the client received. */
  last: () => Recorded;
  x: XClient;
  linkedin: LinkedInClient;
  tiktok: TikTokClient;
  /** The Research API takes the app's client-credentials token (`clt.…`), not a client's token. */
  research: TikTokClient;
}

let running: Simulator | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(config: SimulatorConfigInput = {}, linkedInVersion?: string): Promise<Setup> {
  const clock = new ManualClock(START);
  const sim = await startSimulator({ clock, seed: 'schemas', clients: 2, ...config });
  running = sim;
  let last: Recorded = { status: 0, text: '' };
  const recordingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    last = { status: res.status, text: await res.clone().text() };
    return res;
  };
  const credentials: CredentialProvider = {
    getCredentials: (clientId: string, platform: Platform) => {
      const cred = sim.world
        .credentials()
        .find((c) => c.clientId === clientId && c.platform === platform)!;
      return Promise.resolve({ accessToken: cred.accessToken, accountId: cred.accountId });
    },
  };
  const common = { credentials, clock, fetch: recordingFetch };
  return {
    sim,
    clock,
    last: () => last,
    x: new XClient({ ...common, baseUrl: sim.url }),
    // The simulator's clock is in March 2026: a later LinkedIn-Version would be "not active".
    linkedin: new LinkedInClient({
      ...common,
      baseUrl: sim.url,
      linkedInVersion: linkedInVersion ?? '202603',
    }),
    tiktok: new TikTokClient({ ...common, businessBaseUrl: sim.url, researchBaseUrl: sim.url }),
    research: new TikTokClient({
      ...common,
      credentials: {
        getCredentials: () => Promise.resolve({ accessToken: sim.world.tiktokResearchToken }),
      },
      businessBaseUrl: sim.url,
      researchBaseUrl: sim.url,
    }),
  };
}

const CLIENT = 'client-001';

function resource(sim: Simulator, platform: Platform, resourceType: string): string {
  const found = sim.world
    .resources(CLIENT)
    .find((r) => r.platform === platform && r.resourceType === resourceType);
  return found!.resourceId!;
}

/** Parses with the schema and fails with zod's issues (not just `false`) when it does not fit. */
function expectValid<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`schema mismatch: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * Keys of an item the schema does not know: zod drops them silently, so a field the simulator
 * misnames (or the connector never learned) would otherwise pass unnoticed.
 */
function unknownKeysOf(schema: z.ZodObject, value: unknown): string[] {
  const known = Object.keys(schema.shape);
  return Object.keys(value as object).filter((k) => !known.includes(k));
}

/** Keys of the items of a recorded fixture: real fields, which a connector may choose to ignore. */
function recordedKeys(platform: string, name: string, path: string[]): string[] {
  let node: unknown = loadFixture(platform, name).body;
  for (const key of path) node = (node as Record<string, unknown>)[key];
  return [...new Set((node as object[]).flatMap((item) => Object.keys(item)))];
}

const RECORDED_KEYS = {
  xPost: recordedKeys('x', 'mentions.recorded-2022.json', ['data']),
  xDm: recordedKeys('x', 'dm-events.conversation.recorded-2022.json', ['data']),
  liComment: recordedKeys('linkedin', 'comments.recorded-2023.json', ['elements']),
  ttComment: recordedKeys('tiktok', 'business-comment-list.recorded-2022.json', [
    'data',
    'comments',
  ]),
  ttResearch: recordedKeys('tiktok', 'research-comments.documented.json', ['data', 'comments']),
  none: [] as string[],
};

/**
 * Validates an item and requires every key of it to be one the schema names or one the recorded
 * platform answer also has (a real field the connector ignores).
 */
function expectItem<S extends z.ZodObject>(
  schema: S,
  value: unknown,
  recorded: keyof typeof RECORDED_KEYS = 'none',
): z.infer<S> {
  const parsed = expectValid(schema, value);
  const extra = unknownKeysOf(schema, value).filter((k) => !RECORDED_KEYS[recorded].includes(k));
  expect(extra).toEqual([]);
  return parsed;
}

async function failureOf(call: Promise<unknown>): Promise<PlatformError> {
  try {
    await call;
  } catch (err) {
    return err as PlatformError;
  }
  throw new Error('expected the call to fail');
}

/** The raw error body must fit the schema and have the recorded fixture's shape. */
function expectErrorBody<S extends z.ZodType>(
  schema: S,
  recorded: Recorded,
  fixture: [platform: string, name: string],
): void {
  const body: unknown = JSON.parse(recorded.text);
  expectValid(schema, body);
  const expected = loadFixture(...fixture);
  expect(recorded.status).toBe(expected.status);
  expect(shapeOf(body)).toEqual(shapeOf(expected.body));
}

describe('simulator answers against the X schemas', () => {
  it('serves mentions pages that fit RawPageSchema, RawTweetSchema and RawUserSchema', async () => {
    const { sim, clock, x: client } = await start();
    clock.advance(6 * HOUR);
    const xc = client.forClient(CLIENT);
    const userId = resource(sim, 'x', 'mentions');
    const res = await xc.getMentions(userId, { max_results: 100 });
    const page = expectValid(x.RawPageSchema, res.body);
    expect(page.data?.length).toBeGreaterThan(0);
    for (const item of page.data!) expectItem(x.RawTweetSchema, item, 'xPost');
    for (const user of page.includes?.users ?? []) expectItem(x.RawUserSchema, user);
    expect(page.meta?.newest_id).toBe((page.data![0] as { id: string }).id);

    const empty = await xc.getMentions(userId, { since_id: page.meta!.newest_id! });
    const emptyPage = expectValid(x.RawPageSchema, empty.body);
    expect(emptyPage.data).toBeUndefined();
    expect(emptyPage.meta).toEqual({ result_count: 0 });
  });

  it('serves recent-search (replies) pages that fit the schemas, empty ones included', async () => {
    const { sim, clock, x: client } = await start();
    clock.advance(6 * HOUR);
    const xc = client.forClient(CLIENT);
    const postIds = sim.world
      .resources(CLIENT)
      .filter((r) => r.platform === 'x' && r.resourceType === 'replies')
      .map((r) => r.resourceId!);
    let seenItems = 0;
    for (const postId of postIds) {
      const res = await xc.getTweetReplies(postId, { max_results: 100 });
      const page = expectValid(x.RawPageSchema, res.body);
      for (const item of page.data ?? []) {
        const tweet = expectItem(x.RawTweetSchema, item, 'xPost');
        expect(tweet.conversation_id).toBe(postId);
        seenItems += 1;
      }
      if (page.meta?.newest_id !== undefined) {
        const empty = await xc.getTweetReplies(postId, { since_id: page.meta.newest_id });
        expect(expectValid(x.RawPageSchema, empty.body).data).toBeUndefined();
      }
    }
    expect(seenItems).toBeGreaterThan(0);
  });

  it('serves DM events that fit RawDmEventSchema', async () => {
    const { clock, x: client } = await start({ traffic: { xDmsPerHour: 60 } });
    clock.advance(6 * HOUR);
    const res = await client.forClient(CLIENT).getDirectMessages({ max_results: 100 });
    const page = expectValid(x.RawPageSchema, res.body);
    expect(page.data?.length).toBeGreaterThan(0);
    for (const item of page.data!) expectItem(x.RawDmEventSchema, item, 'xDm');
    for (const user of page.includes?.users ?? []) expectItem(x.RawUserSchema, user);
  });

  it('answers 401 with the recorded body, classified as auth', async () => {
    const { sim, last, x: client } = await start();
    sim.world.revoke(CLIENT, 'x');
    const err = await failureOf(client.forClient(CLIENT).getDirectMessages({}));
    expect(err.code).toBe('auth');
    expectErrorBody(x.RawErrorBodySchema, last(), ['x', 'error.401-unauthorized.json']);
  });

  it.each([
    ['observed', 'error.429-observed.json'],
    ['documented', 'error.429-documented.json'],
  ] as const)('answers 429 with the %s body, classified as rate_limited', async (body, fixture) => {
    const {
      sim,
      last,
      x: client,
    } = await start({
      rateLimits: { x: { mentions: { app: 1, user: 1 } }, x429Body: body },
    });
    const xc = client.forClient(CLIENT);
    const userId = resource(sim, 'x', 'mentions');
    await xc.getMentions(userId, {});
    const err = await failureOf(xc.getMentions(userId, {}));
    expect(err.code).toBe('rate_limited');
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expectErrorBody(x.RawErrorBodySchema, last(), ['x', fixture]);
  });

  it('answers a 5xx with a body that fits RawErrorBodySchema, classified as transient', async () => {
    const { sim, last, x: client } = await start({ faults: { serverErrorRate: 1 } });
    const err = await failureOf(
      client.forClient(CLIENT).getMentions(resource(sim, 'x', 'mentions'), {}),
    );
    expect(err.code).toBe('transient');
    expect(last().status).toBe(503);
    expectValid(x.RawErrorBodySchema, JSON.parse(last().text));
  });
});

describe('simulator answers against the LinkedIn schemas', () => {
  it('serves comment pages that fit RawCollectionSchema and RawCommentSchema, and empty pages', async () => {
    const { sim, clock, linkedin } = await start({ traffic: { linkedinCommentsPerHour: 60 } });
    clock.advance(6 * HOUR);
    const lc = linkedin.forClient(CLIENT);
    const postUrns = sim.world
      .resources(CLIENT)
      .filter((r) => r.platform === 'linkedin' && r.resourceType === 'comments')
      .map((r) => r.resourceId!);
    let seenItems = 0;
    for (const urn of postUrns) {
      const res = await lc.getPostComments(urn, { start: 0, count: 100 });
      const page = expectValid(li.RawCollectionSchema, res.body);
      for (const element of page.elements) expectItem(li.RawCommentSchema, element, 'liComment');
      seenItems += page.elements.length;
      const total = page.paging?.total ?? page.elements.length;
      const beyond = await lc.getPostComments(urn, { start: total + 10, count: 10 });
      expect(expectValid(li.RawCollectionSchema, beyond.body).elements).toEqual([]);
    }
    expect(seenItems).toBeGreaterThan(0);
  });

  it('serves organization notifications that fit RawNotificationSchema, and empty ranges', async () => {
    const { sim, clock, linkedin } = await start({ traffic: { linkedinMentionsPerHour: 30 } });
    clock.advance(6 * HOUR);
    const lc = linkedin.forClient(CLIENT);
    const org = resource(sim, 'linkedin', 'mentions');
    const res = await lc.getOrganizationNotifications(org, {
      startMs: START - 24 * HOUR,
      endMs: clock.now(),
    });
    const page = expectValid(li.RawCollectionSchema, res.body);
    expect(page.elements.length).toBeGreaterThan(0);
    for (const element of page.elements) expectItem(li.RawNotificationSchema, element);
    const empty = await lc.getOrganizationNotifications(org, {
      startMs: clock.now() + HOUR,
      endMs: clock.now() + 2 * HOUR,
    });
    expect(expectValid(li.RawCollectionSchema, empty.body).elements).toEqual([]);
  });

  it('serves conversations that fit RawConversationSchema, and an empty page after the newest', async () => {
    const { clock, linkedin } = await start({ traffic: { linkedinMessagesPerHour: 30 } });
    clock.advance(6 * HOUR);
    const lc = linkedin.forClient(CLIENT);
    const res = await lc.getConversations({ createdAfter: null });
    const page = expectValid(li.RawCollectionSchema, res.body);
    expect(page.elements.length).toBeGreaterThan(0);
    for (const element of page.elements) {
      const conversation = expectItem(li.RawConversationSchema, element);
      // The message's author is what the normalizer reads (a misnamed key would lose it silently).
      expect(conversation.lastMessage?.author).toMatch(/^urn:li:person:/);
      expect(Object.keys((element as { lastMessage: object }).lastMessage).sort()).toEqual([
        'author',
        'id',
        'text',
      ]);
    }
    const empty = await lc.getConversations({ createdAfter: clock.now() + HOUR });
    expect(expectValid(li.RawCollectionSchema, empty.body).elements).toEqual([]);
  });

  it.each([
    ['revoked', 'error.401-revoked.json'],
    ['expired', 'error.401-expired.json'],
  ] as const)(
    'answers a %s token with the recorded 401, classified as auth',
    async (how, fixture) => {
      const { sim, last, linkedin } = await start();
      if (how === 'revoked') sim.world.revoke(CLIENT, 'linkedin');
      else sim.world.expire(CLIENT, 'linkedin');
      const err = await failureOf(
        linkedin.forClient(CLIENT).getConversations({ createdAfter: null }),
      );
      expect(err.code).toBe('auth');
      expectErrorBody(li.RawErrorBodySchema, last(), ['linkedin', fixture]);
    },
  );

  it('answers over the daily quota with the recorded 429, classified as rate_limited', async () => {
    const { last, linkedin } = await start({ rateLimits: { linkedin: { app: 100, user: 1 } } });
    const lc = linkedin.forClient(CLIENT);
    await lc.getConversations({ createdAfter: null });
    const err = await failureOf(lc.getConversations({ createdAfter: null }));
    expect(err.code).toBe('rate_limited');
    expectErrorBody(li.RawErrorBodySchema, last(), ['linkedin', 'error.429-day-limit.json']);
  });

  it('answers a retired LinkedIn-Version with the recorded 426', async () => {
    const { last, linkedin } = await start({}, '202301');
    await failureOf(linkedin.forClient(CLIENT).getConversations({ createdAfter: null }));
    expectErrorBody(li.RawErrorBodySchema, last(), ['linkedin', 'error.426-version-retired.json']);
  });
});

describe('simulator answers against the TikTok schemas', () => {
  it('serves Business comment lists that fit the envelope, page and comment schemas', async () => {
    const { sim, clock, tiktok } = await start();
    clock.advance(6 * HOUR);
    const tc = tiktok.forClient(CLIENT);
    const videoIds = sim.world
      .resources(CLIENT)
      .filter((r) => r.platform === 'tiktok')
      .map((r) => r.resourceId!);
    let seenItems = 0;
    for (const videoId of videoIds) {
      const res = await tc.getVideoComments(videoId, { max_count: 30 });
      const envelope = expectValid(tt.RawBusinessEnvelopeSchema, res.body);
      expect(envelope.code).toBe(0);
      const page = expectValid(tt.RawBusinessCommentPageSchema, envelope.data);
      for (const comment of page.comments) {
        expect(expectItem(tt.RawBusinessCommentSchema, comment, 'ttComment').video_id).toBe(
          videoId,
        );
      }
      seenItems += page.comments.length;
    }
    expect(seenItems).toBeGreaterThan(0);
  });

  it('serves an empty Business page that fits the schemas', async () => {
    const { sim, tiktok } = await start({ traffic: { tiktokCommentsPerHour: 0 } });
    const res = await tiktok
      .forClient(CLIENT)
      .getVideoComments(resource(sim, 'tiktok', 'comments'), { max_count: 30 });
    const envelope = expectValid(tt.RawBusinessEnvelopeSchema, res.body);
    const page = expectValid(tt.RawBusinessCommentPageSchema, envelope.data);
    expect(page.comments).toEqual([]);
    expect(page.has_more).toBe(false);
  });

  it('serves Research comment lists that fit the envelope and comment schemas', async () => {
    const { sim, clock, research } = await start({ traffic: { tiktokCommentsPerHour: 120 } });
    clock.advance(6 * HOUR);
    const tc = research.forClient(CLIENT);
    const videoIds = sim.world
      .resources(CLIENT)
      .filter((r) => r.platform === 'tiktok')
      .map((r) => r.resourceId!);
    let seenItems = 0;
    for (const videoId of videoIds) {
      const res = await tc.getResearchVideoComments(videoId, { max_count: 100 });
      const envelope = expectValid(tt.RawResearchEnvelopeSchema, res.body);
      expect(envelope.error?.code ?? 'ok').toBe('ok');
      for (const comment of envelope.data.comments) {
        expect(expectItem(tt.RawResearchCommentSchema, comment, 'ttResearch').video_id).toBe(
          videoId,
        );
      }
      seenItems += envelope.data.comments.length;
      const beyond = await tc.getResearchVideoComments(videoId, {
        cursor: envelope.data.cursor + 1000,
        max_count: 100,
      });
      expect(expectValid(tt.RawResearchEnvelopeSchema, beyond.body).data.comments).toEqual([]);
    }
    expect(seenItems).toBeGreaterThan(0);
  });

  it('answers a per-minute breach with code 40100 in HTTP 200, classified as rate_limited', async () => {
    const { sim, last, tiktok } = await start({ rateLimits: { tiktok: { app: 100, user: 1 } } });
    const tc = tiktok.forClient(CLIENT);
    const videoId = resource(sim, 'tiktok', 'comments');
    await tc.getVideoComments(videoId, {});
    const err = await failureOf(tc.getVideoComments(videoId, {}));
    expect(err.code).toBe('rate_limited');
    expect(err.platformCode).toBe('40100');
    expectErrorBody(tt.RawBusinessEnvelopeSchema, last(), [
      'tiktok',
      'business-error.40100-rate-limited.json',
    ]);
  });

  it('answers a revoked token with code 40105, classified as auth', async () => {
    const { sim, last, tiktok } = await start();
    sim.world.revoke(CLIENT, 'tiktok');
    const err = await failureOf(
      tiktok.forClient(CLIENT).getVideoComments(resource(sim, 'tiktok', 'comments'), {}),
    );
    expect(err.code).toBe('auth');
    expect(err.platformCode).toBe('40105');
    expectErrorBody(tt.RawBusinessEnvelopeSchema, last(), [
      'tiktok',
      'business-error.40105-token-revoked.json',
    ]);
  });

  it('answers over the Research daily quota with the documented 429, classified as rate_limited', async () => {
    const { sim, last, research } = await start({ rateLimits: { tiktokResearchPerDay: 1 } });
    const tc = research.forClient(CLIENT);
    const videoId = resource(sim, 'tiktok', 'comments');
    await tc.getResearchVideoComments(videoId, {});
    const err = await failureOf(tc.getResearchVideoComments(videoId, {}));
    expect(err.code).toBe('rate_limited');
    expectErrorBody(z.object({ error: tt.RawResearchErrorSchema }), last(), [
      'tiktok',
      'research-error.429.json',
    ]);
  });
});
