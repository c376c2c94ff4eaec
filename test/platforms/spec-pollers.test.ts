/**
 * The poller scenarios of SPEC.md 1.2, ported to our types: connectors answer in the platforms'
 * real shapes (ConnectorResponse with the real bodies), pollers take the client id as an option.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectorResponse } from '../../src/platforms/connector.js';
import { LinkedInPoller, TikTokPoller, XPoller } from '../../src/platforms/index.js';
import type { LinkedInConnector } from '../../src/platforms/linkedin/client.js';
import { classifyTikTokBusinessResponse } from '../../src/platforms/tiktok/classify.js';
import type { TikTokConnector } from '../../src/platforms/tiktok/client.js';
import type { XConnector } from '../../src/platforms/x/client.js';
import { loadFixture } from '../helpers/platform-fixtures.js';

const ok = (body: unknown): ConnectorResponse<unknown> => ({ status: 200, body, rateLimit: null });

describe('Platform Pollers', () => {
  describe('TikTokPoller', () => {
    let connector: {
      getVideoComments: ReturnType<typeof vi.fn<TikTokConnector['getVideoComments']>>;
      getResearchVideoComments: ReturnType<
        typeof vi.fn<TikTokConnector['getResearchVideoComments']>
      >;
    };
    let poller: TikTokPoller;

    beforeEach(() => {
      connector = { getVideoComments: vi.fn(), getResearchVideoComments: vi.fn() };
      poller = new TikTokPoller(connector, { clientId: 'client_1' });
    });

    it('should fetch video comments', async () => {
      connector.getVideoComments.mockResolvedValue(
        ok({
          code: 0,
          message: 'OK',
          data: {
            comments: [
              { comment_id: 'c2', text: 'Love it', create_time: 1704067201 },
              { comment_id: 'c1', text: 'Great video!', create_time: 1704067200 },
            ],
            cursor: 123,
            has_more: true,
          },
        }),
      );
      const result = await poller.pollComments({ videoId: 'video_123', cursor: null });
      expect(result.events).toHaveLength(2);
      expect(result.events[0]!.eventType).toBe('comment');
      expect(result.nextCursor).toBe('123');
      expect(result.hasMore).toBe(true);
    });

    it('should continue from cursor', async () => {
      connector.getVideoComments.mockResolvedValue(
        ok({
          code: 0,
          data: {
            comments: [{ comment_id: 'c3', text: 'Nice', create_time: 1704067202 }],
            cursor: 21,
            has_more: false,
          },
        }),
      );
      const result = await poller.pollComments({ videoId: 'video_123', cursor: '20' });
      expect(connector.getVideoComments).toHaveBeenCalledWith(
        'video_123',
        expect.objectContaining({ cursor: 20 }),
      );
      expect(result.hasMore).toBe(false);
      expect(result.nextCursor).toBeNull();
    });

    it('should handle rate limit errors', async () => {
      const fixture = loadFixture('tiktok', 'business-error.40100-rate-limited.json');
      connector.getVideoComments.mockRejectedValue(
        classifyTikTokBusinessResponse({ ...fixture, nowMs: 0 }),
      );
      await expect(
        poller.pollComments({ videoId: 'video_123', cursor: null }),
      ).rejects.toMatchObject({
        name: 'PlatformError',
        code: 'rate_limited',
      });
    });
  });

  describe('LinkedInPoller', () => {
    let connector: {
      [K in keyof LinkedInConnector]: ReturnType<typeof vi.fn<LinkedInConnector[K]>>;
    };
    let poller: LinkedInPoller;

    beforeEach(() => {
      connector = {
        getPostComments: vi.fn(),
        getConversations: vi.fn(),
        getOrganizationNotifications: vi.fn(),
      };
      poller = new LinkedInPoller(connector, { clientId: 'client_1', pageSize: 10 });
    });

    it('should fetch post comments', async () => {
      connector.getPostComments.mockResolvedValue(
        ok({
          elements: [
            {
              id: 'comment_li_1',
              message: { text: 'Insightful post!' },
              actor: 'urn:li:person:user_li_1',
              created: { time: 1704067200000 },
            },
          ],
          paging: { start: 0, count: 10, total: 15 },
        }),
      );
      const result = await poller.pollComments({ postUrn: 'urn:li:share:123456789', start: 0 });
      expect(result.events).toHaveLength(1);
      expect(result.events[0]!.content).toBe('Insightful post!');
      expect(result.nextStart).toBe(10);
      expect(result.hasMore).toBe(true);
    });

    it('should fetch inbox messages', async () => {
      connector.getConversations.mockResolvedValue(
        ok({
          elements: [
            {
              id: 'conv_1',
              lastActivityAt: 1704067200000,
              participants: [{ id: 'user_li_2' }],
              lastMessage: { text: 'Hello!' },
            },
          ],
        }),
      );
      const result = await poller.pollInbox({ sinceTime: null });
      expect(result.events).toHaveLength(1);
      expect(result.events[0]!.eventType).toBe('dm');
    });
  });

  describe('XPoller', () => {
    let connector: { [K in keyof XConnector]: ReturnType<typeof vi.fn<XConnector[K]>> };
    let poller: XPoller;

    beforeEach(() => {
      connector = { getMentions: vi.fn(), getTweetReplies: vi.fn(), getDirectMessages: vi.fn() };
      poller = new XPoller(connector, { clientId: 'client_1' });
    });

    it('should fetch mentions', async () => {
      connector.getMentions.mockResolvedValue(
        ok({
          data: [
            {
              id: '1001',
              text: '@brand Check this out!',
              author_id: '501',
              created_at: '2025-01-01T00:00:00Z',
            },
          ],
          meta: { next_token: 'next_token_123' },
        }),
      );
      const result = await poller.pollMentions({ userId: '42', sinceId: null });
      expect(result.events).toHaveLength(1);
      expect(result.events[0]!.eventType).toBe('mention');
      expect(result.nextToken).toBe('next_token_123');
    });

    it('should fetch tweet replies', async () => {
      connector.getTweetReplies.mockResolvedValue(
        ok({
          data: [
            {
              id: '1002',
              text: 'Great thread!',
              author_id: '502',
              created_at: '2025-01-01T00:01:00Z',
            },
          ],
          meta: { result_count: 1 },
        }),
      );
      const result = await poller.pollReplies({ tweetId: '900', sinceId: null });
      expect(result.events).toHaveLength(1);
      expect(result.events[0]!.eventType).toBe('comment');
      expect(result.events[0]!.parentId).toBe('900');
    });

    it('should fetch DMs', async () => {
      connector.getDirectMessages.mockResolvedValue(
        ok({
          data: [
            {
              id: '1003',
              event_type: 'MessageCreate',
              text: 'Private message',
              sender_id: '503',
              created_at: '2025-01-01T00:02:00Z',
            },
          ],
        }),
      );
      const result = await poller.pollDMs({ sinceId: null });
      expect(result.events).toHaveLength(1);
      expect(result.events[0]!.eventType).toBe('dm');
    });
  });
});
