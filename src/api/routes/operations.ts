/**
 * Operations routes: `/healthz` (process up), `/readyz` (Redis, workers, no stall), `/metrics`
 * (Prometheus text) and `/openapi.json`. None needs a key: they carry no client data (metric labels
 * are platform, resource type, outcome and sink, never a client id).
 */
import type { FastifyInstance } from 'fastify';
import type { AdminApiDeps } from '../deps.js';
import { ApiError } from '../errors.js';
import { buildOpenApiDocument } from '../openapi.js';

/** Registers the operations routes. */
export function registerOperationsRoutes(app: FastifyInstance, deps: AdminApiDeps): void {
  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async (request) => {
    let report;
    try {
      report = await deps.readiness();
    } catch (err) {
      request.log.warn({ err }, 'readiness check failed');
      throw new ApiError('not_ready', 'not ready: the readiness check failed', {
        error: err instanceof Error ? err.message : String(err),
      });
    }
    const failed = [
      ...(report.redis ? [] : ['redis unreachable']),
      ...(report.workersRunning ? [] : ['workers not running']),
      ...(report.stalled ? ['jobs stalled'] : []),
    ];
    if (failed.length > 0) {
      throw new ApiError('not_ready', `not ready: ${failed.join(', ')}`, report);
    }
    return { status: 'ready', checks: report };
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(text);
  });

  const openapi = buildOpenApiDocument();
  app.get('/openapi.json', () => openapi);
}
