/**
 * The resource routes under `/v1/clients/:clientId/resources`: register, list, read, unregister,
 * resume, poll now, and "why is this resource not being polled?". Every route is scoped to the
 * path's client: a client key on another client's path, or a state id of another client, gets 404.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationError } from '../../domain/errors.js';
import { PLATFORMS, type Platform } from '../../domain/platform.js';
import { resumePollingState, type PollingState } from '../../domain/polling-state.js';
import { ClientIdSchema, validateResourceRef } from '../../domain/resource.js';
import { assertMayAccessClient, type Principal } from '../auth.js';
import type { AdminApiDeps, WhyPolicy } from '../deps.js';
import { ApiError, resourceNotFound } from '../errors.js';
import { toCorruptResourceView, toResourceView } from '../views.js';
import { explainPolling } from '../why.js';

/** Fields a registration body may have. */
const REGISTER_FIELDS = new Set(['platform', 'resourceType', 'resourceId']);
const UPDATE_ATTEMPTS = 3;

/** Options of {@link registerResourceRoutes}. */
export interface ResourceRoutesOptions {
  deps: AdminApiDeps;
  policy: WhyPolicy;
  principalOf: (request: FastifyRequest) => Principal;
}

interface ClientParams {
  clientId: string;
}
interface StateParams extends ClientParams {
  stateId: string;
}

function checkClientId(clientId: string): void {
  if (!ClientIdSchema.safeParse(clientId).success) {
    throw new ValidationError([
      {
        field: 'clientId',
        reason:
          'must be 1-64 characters of letters, digits, "_", "-" or "." starting with a letter or digit',
      },
    ]);
  }
}

/**
 * Read-modify-write of one state, guarded by its version and retried on a concurrent change.
 * `change` returns the new state, or throws an ApiError.
 */
async function updateState(
  deps: AdminApiDeps,
  stateId: string,
  change: (state: PollingState) => PollingState,
): Promise<PollingState> {
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const state = await deps.store.get(stateId);
    if (state === null) throw resourceNotFound();
    const next = change(state);
    const outcome = await deps.store.saveIfVersion(next, state.version);
    if (outcome === 'saved') return next;
    if (outcome === 'missing') throw resourceNotFound();
  }
  throw new ApiError('conflict', 'the resource kept changing while it was being updated; retry');
}

/** The default `pollNow`: due at once, version-guarded. */
export function defaultPollNow(deps: AdminApiDeps): (stateId: string) => Promise<void> {
  return async (stateId) => {
    await updateState(deps, stateId, (state) => {
      const now = new Date(deps.clock.now());
      return { ...state, nextPollAt: now, version: state.version + 1, updatedAt: now };
    });
  };
}

/** Registers the resource routes. */
export function registerResourceRoutes(app: FastifyInstance, options: ResourceRoutesOptions): void {
  const { deps, policy, principalOf } = options;
  const pollNow = deps.pollNow ?? defaultPollNow(deps);

  /** The state if the caller may see it and it is this client's; 404 otherwise. */
  async function loadState(request: FastifyRequest, params: StateParams): Promise<PollingState> {
    assertMayAccessClient(principalOf(request), params.clientId);
    const state = await deps.store.getForClient(params.clientId, params.stateId);
    if (state === null) throw resourceNotFound();
    return state;
  }

  app.post<{ Params: ClientParams; Body: unknown }>(
    '/v1/clients/:clientId/resources',
    async (request, reply) => {
      const { clientId } = request.params;
      assertMayAccessClient(principalOf(request), clientId);
      const body = request.body;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ValidationError([{ field: '(body)', reason: 'must be a JSON object' }]);
      }
      const unknown = Object.keys(body).filter((k) => !REGISTER_FIELDS.has(k));
      if (unknown.length > 0) {
        throw new ValidationError(
          unknown.map((field) => ({ field, reason: 'is not a known field' })),
        );
      }
      const ref = validateResourceRef({ ...body, clientId });
      const { created, state } = await deps.store.register(ref, new Date(deps.clock.now()));
      request.log.info({ clientId, stateId: state.id, created }, 'resource registered');
      return reply.code(created ? 201 : 200).send({ created, resource: toResourceView(state) });
    },
  );

  app.get<{ Params: ClientParams; Querystring: { platform?: string } }>(
    '/v1/clients/:clientId/resources',
    async (request) => {
      const { clientId } = request.params;
      assertMayAccessClient(principalOf(request), clientId);
      checkClientId(clientId);
      const platform = request.query.platform;
      if (platform !== undefined && !(PLATFORMS as readonly string[]).includes(platform)) {
        throw new ValidationError([
          { field: 'platform', reason: `must be one of ${PLATFORMS.join(', ')}` },
        ]);
      }
      const { states, corrupt } = await deps.store.listClientStates(
        clientId,
        platform as Platform | undefined,
      );
      for (const c of corrupt) {
        request.log.warn(
          { clientId, stateId: c.stateId, reason: c.reason },
          'corrupt state listed',
        );
      }
      return {
        resources: states.map(toResourceView),
        corrupt: corrupt.map(toCorruptResourceView),
      };
    },
  );

  app.get<{ Params: StateParams }>('/v1/clients/:clientId/resources/:stateId', async (request) => ({
    resource: toResourceView(await loadState(request, request.params)),
  }));

  app.delete<{ Params: StateParams }>(
    '/v1/clients/:clientId/resources/:stateId',
    async (request, reply) => {
      const { clientId, stateId } = request.params;
      assertMayAccessClient(principalOf(request), clientId);
      if (!(await deps.store.deleteForClient(clientId, stateId))) throw resourceNotFound();
      request.log.info({ clientId, stateId }, 'resource unregistered');
      return reply.code(204).send();
    },
  );

  app.post<{ Params: StateParams }>(
    '/v1/clients/:clientId/resources/:stateId/resume',
    async (request) => {
      await loadState(request, request.params);
      const resumed = await updateState(deps, request.params.stateId, (state) => {
        if (state.status === 'active') {
          throw new ApiError(
            'invalid_status',
            'the resource is active; nothing to resume (use poll-now to poll it at once)',
            { status: state.status },
          );
        }
        return resumePollingState(state, new Date(deps.clock.now()));
      });
      request.log.info({ clientId: resumed.clientId, stateId: resumed.id }, 'resource resumed');
      return { resource: toResourceView(resumed) };
    },
  );

  app.post<{ Params: StateParams }>(
    '/v1/clients/:clientId/resources/:stateId/poll-now',
    async (request, reply) => {
      const state = await loadState(request, request.params);
      if (state.status === 'needs_reauth' || state.status === 'paused') {
        throw new ApiError(
          'invalid_status',
          `the resource is ${state.status} and is not polled; resume it first`,
          { status: state.status },
        );
      }
      await pollNow(state.id);
      const after = await deps.store.get(state.id);
      if (after === null) throw resourceNotFound();
      request.log.info({ clientId: state.clientId, stateId: state.id }, 'poll requested');
      return reply.code(202).send({ resource: toResourceView(after) });
    },
  );

  app.get<{ Params: StateParams }>(
    '/v1/clients/:clientId/resources/:stateId/why',
    async (request) => {
      const state = await loadState(request, request.params);
      const nowMs = deps.clock.now();
      const dueScoreMs = await deps.store.getDueScore(state);
      let rateLimit;
      let rateLimitError: string | undefined;
      if (deps.explain !== undefined) {
        try {
          rateLimit = (await deps.explain(state)).rateLimit ?? null;
        } catch (err) {
          // The diagnosis is still useful without the budget; say that part is unknown.
          request.log.warn({ err, stateId: state.id }, 'rate limiter inspect failed');
          rateLimitError = 'the rate limiter could not be inspected';
        }
      }
      const answer = explainPolling({ state, dueScoreMs, rateLimit, policy, nowMs });
      return {
        stateId: state.id,
        now: new Date(nowMs).toISOString(),
        verdict: answer.verdict,
        reason: answer.reason,
        status: state.status,
        schedule: {
          nextPollAt: state.nextPollAt.toISOString(),
          isDue: state.nextPollAt.getTime() <= nowMs,
          lastPolledAt: state.lastPolledAt?.toISOString() ?? null,
        },
        dueIndex: {
          indexed: dueScoreMs !== null,
          scoreAt: dueScoreMs === null ? null : new Date(dueScoreMs).toISOString(),
          claimed:
            dueScoreMs !== null && dueScoreMs > state.nextPollAt.getTime() && dueScoreMs > nowMs,
        },
        errors: {
          consecutiveErrors: state.consecutiveErrors,
          maxErrors: policy.maxErrors,
          lastErrorCode: state.lastErrorCode,
          lastError: state.lastError,
        },
        rateLimit:
          deps.explain === undefined
            ? { inspected: false, reason: 'no rate limiter attached to this API' }
            : rateLimitError !== undefined
              ? { inspected: false, reason: rateLimitError }
              : {
                  inspected: true,
                  blocked:
                    rateLimit !== null &&
                    rateLimit !== undefined &&
                    rateLimit.blockedUntilMs > nowMs,
                  ...(rateLimit === null || rateLimit === undefined
                    ? {}
                    : {
                        scope: rateLimit.scope,
                        ...(rateLimit.reason === undefined ? {} : { reason: rateLimit.reason }),
                        blockedUntil: new Date(rateLimit.blockedUntilMs).toISOString(),
                      }),
                },
      };
    },
  );
}
