/**
 * The admin HTTP API as a Fastify instance. It never listens: the runtime calls `listen()` (tests
 * use `inject()`). Authentication runs on every `/v1/` request; errors are mapped to the catalogue
 * in `errors.ts` in one place.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { isPlatformError } from '../domain/errors.js';
import { ApiAuthenticator, type Principal } from './auth.js';
import type { AdminApiDeps, WhyPolicy } from './deps.js';
import { ApiError } from './errors.js';
import { registerOperationsRoutes } from './routes/operations.js';
import { registerResourceRoutes } from './routes/resources.js';

export type { AdminApiDeps } from './deps.js';

const DEFAULT_WHY_POLICY: WhyPolicy = { maxErrors: 5, probeIntervalMs: 3_600_000 };
/** Largest accepted body: registrations are tiny. */
const BODY_LIMIT_BYTES = 16 * 1024;

const principals = new WeakMap<FastifyRequest, Principal>();

function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  // Routes under /v1/ always pass the onRequest hook first; reaching here without is a bug.
  if (principal === undefined) throw new Error(`no principal for ${request.url}`);
  return principal;
}

/** Maps any thrown error to the catalogue's status and body. */
function toApiError(err: unknown): { error: ApiError; isUnexpected: boolean } {
  if (err instanceof ApiError) return { error: err, isUnexpected: false };
  const e = err as Partial<FastifyError> & { name?: string; issues?: unknown };
  if (e.name === 'ValidationError' && Array.isArray(e.issues)) {
    return {
      error: new ApiError('invalid_request', (err as Error).message, e.issues),
      isUnexpected: false,
    };
  }
  if (e.name === 'CorruptStateError') {
    return {
      error: new ApiError('corrupt_state', 'the stored state of this resource is corrupt'),
      isUnexpected: true,
    };
  }
  const status = e.statusCode;
  if (status === 413) {
    return {
      error: new ApiError('payload_too_large', 'request body too large'),
      isUnexpected: false,
    };
  }
  if (status === 415) {
    return {
      error: new ApiError('unsupported_media_type', 'send the body as application/json'),
      isUnexpected: false,
    };
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return {
      error: new ApiError('invalid_request', e.message ?? 'bad request', [
        { field: '(body)', reason: e.message ?? 'invalid' },
      ]),
      isUnexpected: false,
    };
  }
  return { error: new ApiError('internal_error', 'internal error'), isUnexpected: true };
}

/** Build the admin API over the services the runtime hands in. Does not listen. */
export function buildAdminApp(deps: AdminApiDeps): FastifyInstance {
  const auth = new ApiAuthenticator(deps.auth);
  const policy: WhyPolicy = { ...DEFAULT_WHY_POLICY, ...deps.policy };
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: BODY_LIMIT_BYTES,
    // A stateId or clientId never contains these; keep routing exact.
    routerOptions: { ignoreTrailingSlash: false, caseSensitive: true },
    // Errors the router raises before any hook (e.g. an over-long path segment) get the same
    // envelope as every other error, and never echo the URL.
    frameworkErrors: (_err, _request, reply) => {
      const body = new ApiError('invalid_request', 'malformed request path', [
        { field: '(path)', reason: 'a path segment is too long or malformed' },
      ]).toBody();
      void (reply as unknown as { code(n: number): { send(b: unknown): unknown } })
        .code(400)
        .send(body);
    },
  });
  // Bodies are JSON only: anything else is 415 unsupported_media_type, as documented.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', (request, _reply, done) => {
    if (!request.url.startsWith('/v1/')) {
      done();
      return;
    }
    try {
      principals.set(request, auth.authenticate(request.headers.authorization));
      done();
    } catch (err) {
      done(err as Error);
    }
  });

  app.setErrorHandler((err, request, reply) => {
    const { error, isUnexpected } = toApiError(err);
    if (isUnexpected) {
      // A PlatformError's message is redacted at construction; any other message is ours.
      request.log.error({ err: isPlatformError(err) ? { code: err.code } : err }, 'request failed');
    }
    if (error.code === 'unauthorized') void reply.header('www-authenticate', 'Bearer');
    return reply.code(error.status).send(error.toBody());
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send(new ApiError('not_found', 'no such route').toBody()),
  );

  registerOperationsRoutes(app, deps);
  registerResourceRoutes(app, { deps, policy, principalOf });
  return app;
}
