/**
 * The OpenAPI 3.1 description of the admin API, written by hand beside the routes (no generator
 * dependency). A test checks that every registered route is described here and every described
 * route exists.
 */
import { PLATFORMS, RESOURCE_TYPES } from '../domain/platform.js';
import { POLLING_STATUSES } from '../domain/polling-state.js';
import { PLATFORM_ERROR_CODES } from '../domain/errors.js';
import { API_ERRORS, type ApiErrorCode } from './errors.js';
import { WHY_VERDICTS } from './why.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json): Json => ({ 'application/json': { schema } });
const nullable = (type: string, extra: Json = {}): Json => ({ type: [type, 'null'], ...extra });
const dateTime = { type: 'string', format: 'date-time' };

function errorResponses(...codes: ApiErrorCode[]): Record<string, Json> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of codes) {
    const status = API_ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((c) => `\`${c}\`: ${API_ERRORS[c].description}`).join(' '),
        content: jsonContent(ref('Error')),
      },
    ]),
  );
}

const clientIdParam = {
  name: 'clientId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' },
};
const stateIdParam = {
  name: 'stateId',
  in: 'path',
  required: true,
  description: 'The resource id returned at registration (32 hex characters).',
  schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
};
const secured = [{ bearer: [] }];
const resourceResponse = (description: string): Json => ({
  description,
  content: jsonContent({
    type: 'object',
    required: ['resource'],
    properties: { resource: ref('Resource') },
  }),
});

/** The OpenAPI document served at `GET /openapi.json`. */
export function buildOpenApiDocument(): Json {
  const stateRoute = (summary: string, extra: Json = {}): Json => ({
    summary,
    security: secured,
    parameters: [clientIdParam, stateIdParam],
    ...extra,
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'engagement-poller admin API',
      version: '1',
      description:
        'Register and inspect the resources polled for each client. Authenticate with `Authorization: Bearer <key>`: the operator key sees every client, a client key only its own (anything else answers 404). Errors are `{ error: { code, message, details? } }`.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', enum: Object.keys(API_ERRORS) },
                message: { type: 'string' },
                details: {},
              },
            },
          },
        },
        RegisterBody: {
          type: 'object',
          additionalProperties: false,
          required: ['platform', 'resourceType'],
          properties: {
            platform: { type: 'string', enum: [...PLATFORMS] },
            resourceType: { type: 'string', enum: [...RESOURCE_TYPES] },
            resourceId: {
              type: 'string',
              description:
                'Required except for account-level resources (linkedin inbox, x dms): TikTok video id, LinkedIn post or organization URN, X user or post id.',
            },
          },
        },
        Resource: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            clientId: { type: 'string' },
            platform: { type: 'string', enum: [...PLATFORMS] },
            resourceType: { type: 'string', enum: [...RESOURCE_TYPES] },
            resourceId: nullable('string'),
            status: { type: 'string', enum: [...POLLING_STATUSES] },
            cursor: nullable('string'),
            walkInProgress: { type: 'boolean' },
            lastPolledAt: nullable('string', { format: 'date-time' }),
            nextPollAt: dateTime,
            lastItemCount: { type: 'integer' },
            emptyPolls: { type: 'integer' },
            consecutiveErrors: { type: 'integer' },
            lastErrorCode: { type: ['string', 'null'], enum: [...PLATFORM_ERROR_CODES, null] },
            lastError: nullable('string'),
            version: { type: 'integer' },
            createdAt: dateTime,
            updatedAt: dateTime,
          },
        },
        CorruptResource: {
          type: 'object',
          description:
            'A resource whose stored state is corrupt (not a valid polling state, or another Redis type): it is not polled; unregister it to remove it.',
          properties: {
            id: { type: 'string' },
            platform: { type: ['string', 'null'], enum: [...PLATFORMS, null] },
            status: { const: 'corrupt' },
            reason: { type: 'string', description: 'What is wrong with the stored value.' },
          },
        },
        Why: {
          type: 'object',
          properties: {
            stateId: { type: 'string' },
            now: dateTime,
            verdict: { type: 'string', enum: [...WHY_VERDICTS] },
            reason: { type: 'string', description: 'Plain-English diagnosis.' },
            status: { type: 'string', enum: [...POLLING_STATUSES] },
            schedule: {
              type: 'object',
              properties: {
                nextPollAt: dateTime,
                isDue: { type: 'boolean' },
                lastPolledAt: nullable('string', { format: 'date-time' }),
              },
            },
            dueIndex: {
              type: 'object',
              properties: {
                indexed: { type: 'boolean' },
                scoreAt: nullable('string', { format: 'date-time' }),
                claimed: { type: 'boolean' },
              },
            },
            errors: {
              type: 'object',
              properties: {
                consecutiveErrors: { type: 'integer' },
                maxErrors: { type: 'integer' },
                lastErrorCode: nullable('string'),
                lastError: nullable('string'),
              },
            },
            rateLimit: {
              type: 'object',
              properties: {
                inspected: { type: 'boolean' },
                blocked: { type: 'boolean' },
                scope: { type: 'string' },
                reason: { type: 'string' },
                blockedUntil: dateTime,
              },
            },
          },
        },
        Readiness: {
          type: 'object',
          properties: {
            redis: { type: 'boolean' },
            workersRunning: { type: 'boolean' },
            stalled: { type: 'boolean' },
            details: { type: 'object' },
          },
        },
      },
    },
    paths: {
      '/v1/clients/{clientId}/resources': {
        post: {
          summary: 'Register a resource (idempotent)',
          security: secured,
          parameters: [clientIdParam],
          requestBody: { required: true, content: jsonContent(ref('RegisterBody')) },
          responses: {
            '201': {
              description: 'Registered; due at once.',
              content: jsonContent({
                type: 'object',
                properties: { created: { const: true }, resource: ref('Resource') },
              }),
            },
            '200': {
              description: 'Already registered; the existing resource, unchanged.',
              content: jsonContent({
                type: 'object',
                properties: { created: { const: false }, resource: ref('Resource') },
              }),
            },
            ...errorResponses(
              'invalid_request',
              'unauthorized',
              'not_found',
              'payload_too_large',
              'unsupported_media_type',
            ),
          },
        },
        get: {
          summary: "List a client's resources with their polling state",
          security: secured,
          parameters: [
            clientIdParam,
            {
              name: 'platform',
              in: 'query',
              required: false,
              schema: { type: 'string', enum: [...PLATFORMS] },
            },
          ],
          responses: {
            '200': {
              description:
                'The resources, oldest registration first; `corrupt` lists those whose stored state is corrupt (by id; under a platform filter, those naming that platform or none).',
              content: jsonContent({
                type: 'object',
                required: ['resources', 'corrupt'],
                properties: {
                  resources: { type: 'array', items: ref('Resource') },
                  corrupt: { type: 'array', items: ref('CorruptResource') },
                },
              }),
            },
            ...errorResponses('invalid_request', 'unauthorized', 'not_found'),
          },
        },
      },
      '/v1/clients/{clientId}/resources/{stateId}': {
        get: stateRoute('Read a resource and its polling state', {
          responses: {
            '200': resourceResponse('The resource.'),
            ...errorResponses('unauthorized', 'not_found', 'corrupt_state'),
          },
        }),
        delete: stateRoute('Unregister a resource (its state and dedupe ledger are deleted)', {
          responses: {
            '204': { description: 'Deleted.' },
            ...errorResponses('unauthorized', 'not_found'),
          },
        }),
      },
      '/v1/clients/{clientId}/resources/{stateId}/resume': {
        post: stateRoute(
          'Resume a needs_reauth, paused or backing-off resource: active, errors cleared, due now',
          {
            responses: {
              '200': resourceResponse('The resumed resource.'),
              ...errorResponses(
                'unauthorized',
                'not_found',
                'invalid_status',
                'conflict',
                'corrupt_state',
              ),
            },
          },
        ),
      },
      '/v1/clients/{clientId}/resources/{stateId}/poll-now': {
        post: stateRoute('Make a resource due now (the scheduler picks it up on its next tick)', {
          responses: {
            '202': resourceResponse('Due now.'),
            ...errorResponses(
              'unauthorized',
              'not_found',
              'invalid_status',
              'conflict',
              'corrupt_state',
            ),
          },
        }),
      },
      '/v1/clients/{clientId}/resources/{stateId}/why': {
        get: stateRoute('Why is this resource (not) being polled?', {
          responses: {
            '200': { description: 'The diagnosis.', content: jsonContent(ref('Why')) },
            ...errorResponses('unauthorized', 'not_found', 'corrupt_state'),
          },
        }),
      },
      '/healthz': {
        get: {
          summary: 'The process is up (no key needed)',
          responses: {
            '200': {
              description: 'Up.',
              content: jsonContent({ type: 'object', properties: { status: { const: 'ok' } } }),
            },
          },
        },
      },
      '/readyz': {
        get: {
          summary: 'Redis reachable, workers running, no stall (no key needed)',
          responses: {
            '200': {
              description: 'Ready.',
              content: jsonContent({
                type: 'object',
                properties: { status: { const: 'ready' }, checks: ref('Readiness') },
              }),
            },
            ...errorResponses('not_ready'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics (no key needed; no client data)',
          responses: {
            '200': {
              description: 'Prometheus text exposition format.',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          responses: {
            '200': { description: 'OpenAPI 3.1.', content: jsonContent({ type: 'object' }) },
          },
        },
      },
    },
  };
}
