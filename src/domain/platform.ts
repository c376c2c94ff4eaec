/**
 * The platforms and resource types the product polls, and the rules for each resource's id.
 */
import { z } from 'zod';

/** Platforms polled. */
export const PLATFORMS = ['x', 'linkedin', 'tiktok'] as const;
/** Schema of a platform name. */
export const PlatformSchema = z.enum(PLATFORMS);
/** A platform name. */
export type Platform = z.infer<typeof PlatformSchema>;

/** Every resource type any platform has. */
export const RESOURCE_TYPES = ['comments', 'mentions', 'replies', 'inbox', 'dms'] as const;
/** Schema of a resource type. */
export const ResourceTypeSchema = z.enum(RESOURCE_TYPES);
/** A kind of pollable resource. */
export type ResourceType = z.infer<typeof ResourceTypeSchema>;

/** What a resource's id must look like, or `null` when the resource takes no id. */
export interface ResourceIdRule {
  /** Pattern the id must match. */
  pattern: RegExp;
  /** Human description used in error messages. */
  description: string;
}

const numericId = (what: string): ResourceIdRule => ({
  pattern: /^[0-9]{1,19}$/,
  description: `a numeric ${what} (1 to 19 digits)`,
});

/**
 * The platform/resource pairs that exist, each with the rule for its resourceId
 * (`null`: the resource is the account itself and takes no id).
 */
export const RESOURCE_RULES: Readonly<
  Record<Platform, Partial<Record<ResourceType, ResourceIdRule | null>>>
> = Object.freeze({
  tiktok: { comments: numericId('TikTok video id') },
  linkedin: {
    comments: {
      pattern: /^urn:li:(share|ugcPost|activity):[0-9]{1,25}$/,
      description: 'a LinkedIn post URN (urn:li:share:…, urn:li:ugcPost:… or urn:li:activity:…)',
    },
    inbox: null,
    mentions: {
      pattern: /^urn:li:organization:[0-9]{1,25}$/,
      description: 'a LinkedIn organization URN (urn:li:organization:…)',
    },
  },
  x: {
    mentions: numericId('X user id'),
    replies: numericId('X post id'),
    dms: null,
  },
});

/** True when `resourceType` exists on `platform`. */
export function isSupportedResource(platform: Platform, resourceType: ResourceType): boolean {
  return RESOURCE_RULES[platform][resourceType] !== undefined;
}

/** The resource types a platform has. */
export function resourceTypesOf(platform: Platform): ResourceType[] {
  return Object.keys(RESOURCE_RULES[platform]) as ResourceType[];
}
