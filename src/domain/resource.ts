/**
 * Resource identity: validation of a registration, the deterministic state id, and the partition a
 * client's data lives in.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import {
  PLATFORMS,
  RESOURCE_RULES,
  RESOURCE_TYPES,
  resourceTypesOf,
  type Platform,
  type ResourceType,
} from './platform.js';

/** Allowed client ids: 1–64 characters, letters, digits, `_`, `-`, `.`, starting alphanumeric. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Allowed cursors: 1–1024 printable ASCII characters without spaces. */
export const CURSOR_PATTERN = /^[\x21-\x7e]{1,1024}$/;

/** What identifies one pollable resource of one client. */
export interface ResourceRef {
  clientId: string;
  platform: Platform;
  resourceType: ResourceType;
  resourceId?: string | undefined;
}

/** A resource reference that passed {@link validateResourceRef}. */
export interface ValidResourceRef {
  clientId: string;
  platform: Platform;
  resourceType: ResourceType;
  /** Present exactly when the resource type takes an id. */
  resourceId?: string;
}

/** Schema of a clientId. */
export const ClientIdSchema = z
  .string()
  .regex(CLIENT_ID_PATTERN, 'must be 1-64 characters of letters, digits, "_", "-" or "."');

/**
 * Check a registration: known platform, a resource type that platform has, a resourceId present
 * exactly when needed and in that platform's format, a well-formed clientId. Throws a
 * {@link ValidationError} naming every offending field and why.
 */
export function validateResourceRef(input: unknown): ValidResourceRef {
  const issues: { field: string; reason: string }[] = [];
  const obj = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const { clientId, platform, resourceType, resourceId } = obj;

  if (typeof clientId !== 'string') issues.push({ field: 'clientId', reason: 'is required' });
  else if (!CLIENT_ID_PATTERN.test(clientId)) {
    issues.push({
      field: 'clientId',
      reason:
        'must be 1-64 characters of letters, digits, "_", "-" or "." starting with a letter or digit',
    });
  }
  const platformOk =
    typeof platform === 'string' && (PLATFORMS as readonly string[]).includes(platform);
  if (!platformOk) {
    issues.push({ field: 'platform', reason: `must be one of ${PLATFORMS.join(', ')}` });
  }
  const typeOk =
    typeof resourceType === 'string' &&
    (RESOURCE_TYPES as readonly string[]).includes(resourceType);
  if (!typeOk) {
    issues.push({ field: 'resourceType', reason: `must be one of ${RESOURCE_TYPES.join(', ')}` });
  }
  if (platformOk && typeOk) {
    const p = platform as Platform;
    const rule = RESOURCE_RULES[p][resourceType as ResourceType];
    if (rule === undefined) {
      issues.push({
        field: 'resourceType',
        reason: `${p} has no "${resourceType}" resource (it has ${resourceTypesOf(p).join(', ')})`,
      });
    } else if (rule === null) {
      if (resourceId !== undefined && resourceId !== null && resourceId !== '') {
        issues.push({
          field: 'resourceId',
          reason: `must be absent: ${p} ${resourceType} is the account itself`,
        });
      }
    } else if (resourceId === undefined || resourceId === null || resourceId === '') {
      issues.push({ field: 'resourceId', reason: `is required: ${rule.description}` });
    } else if (typeof resourceId !== 'string' || !rule.pattern.test(resourceId)) {
      issues.push({ field: 'resourceId', reason: `must be ${rule.description}` });
    }
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const ref: ValidResourceRef = {
    clientId: clientId as string,
    platform: platform as Platform,
    resourceType: resourceType as ResourceType,
  };
  if (typeof resourceId === 'string' && resourceId !== '') ref.resourceId = resourceId;
  return ref;
}

/** Check a cursor (or page token) read from a platform or from an operator. */
export function validateCursor(cursor: unknown, field = 'cursor'): string | null {
  if (cursor === null) return null;
  if (typeof cursor !== 'string' || !CURSOR_PATTERN.test(cursor)) {
    throw new ValidationError([
      { field, reason: 'must be null or 1-1024 printable ASCII characters without spaces' },
    ]);
  }
  return cursor;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The state id of a resource: 8 hex characters from the client id, then 24 from the whole
 * reference. Deterministic, so registering one resource twice yields one id; and the first part
 * lets the store find the client's partition from the id alone, whatever the partition count.
 */
export function deriveStateId(ref: ResourceRef): string {
  const clientPart = sha256Hex(`client\u0000${ref.clientId}`).slice(0, 8);
  const whole = sha256Hex(
    [ref.clientId, ref.platform, ref.resourceType, ref.resourceId ?? ''].join('\u0000'),
  ).slice(0, 24);
  return `${clientPart}${whole}`;
}

/** Pattern every state id matches. */
export const STATE_ID_PATTERN = /^[0-9a-f]{32}$/;

/** True when `stateId` was derived for `clientId` (checks the client part only). */
export function isStateIdOfClient(stateId: string, clientId: string): boolean {
  return (
    STATE_ID_PATTERN.test(stateId) &&
    stateId.slice(0, 8) === sha256Hex(`client\u0000${clientId}`).slice(0, 8)
  );
}

/** The partition (0 ≤ k < partitions) of a state id; all of one client's states share it. */
export function partitionOfStateId(stateId: string, partitions: number): number {
  if (!STATE_ID_PATTERN.test(stateId))
    throw new Error(`not a state id: ${JSON.stringify(stateId)}`);
  return parseInt(stateId.slice(0, 8), 16) % partitions;
}

/** The partition of a client. */
export function partitionOfClient(clientId: string, partitions: number): number {
  return parseInt(sha256Hex(`client\u0000${clientId}`).slice(0, 8), 16) % partitions;
}
