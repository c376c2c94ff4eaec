/** LinkedIn (placeholder until the LinkedIn endpoints land). */
import type { SimAnswer, SimContext, SimRequest } from './context.js';

/** Answer a LinkedIn request, or `null` when the path is not a LinkedIn endpoint. */
export function handleLinkedIn(_req: SimRequest, _ctx: SimContext): SimAnswer | null {
  return null;
}
