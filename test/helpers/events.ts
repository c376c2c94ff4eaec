/** A normalized event for sink and relay tests: TikTok comment `n` on video 77 of client c1. */
import type { PollEvent } from '../../src/domain/poll-event.js';

export function tiktokComment(n: number, id = `tiktok:c1:comments:${n}`): PollEvent {
  return {
    id,
    platform: 'tiktok',
    eventType: 'comment',
    clientId: 'c1',
    resource: { type: 'comments', id: '77' },
    itemId: String(n),
    postId: '77',
    threadId: null,
    parentId: null,
    author: { platformId: 'u', displayName: null, username: 'u' },
    content: `comment ${n}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
    raw: { n },
  };
}
