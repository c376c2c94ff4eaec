/** TikTok (placeholder until the TikTok endpoints land). */
import type { SimAnswer, SimContext, SimRequest } from './context.js';

/** Answer a TikTok request, or `null` when the path is not a TikTok endpoint. */
export function handleTikTok(_req: SimRequest, _ctx: SimContext): SimAnswer | null {
  return null;
}
