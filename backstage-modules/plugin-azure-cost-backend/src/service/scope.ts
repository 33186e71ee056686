import type { Entity } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  AZURE_COST_TAG_ANNOTATION,
  AZURE_RESOURCE_GROUP_ANNOTATION,
  AZURE_SUBSCRIPTION_ANNOTATION,
  type AzureCostScope,
} from '../types';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Azure's rule for resource group names: 1-90 of letters, digits, _ - . ( ), not ending in '.'.
const RESOURCE_GROUP = /^[\p{L}\p{N}_\-.()]{1,90}$/u;

/**
 * The resource groups whose cost is the entity's, from its annotations; empty when it
 * has no `azure.com/resource-group`. Throws an InputError naming the annotation to fix.
 */
export function scopesForEntity(
  entity: Entity,
  defaultSubscriptionId: string | undefined,
): AzureCostScope[] {
  const annotations = entity.metadata.annotations ?? {};
  const groups = annotations[AZURE_RESOURCE_GROUP_ANNOTATION];
  if (groups === undefined) return [];
  const names = groups
    .split(',')
    .map(name => name.trim())
    .filter(Boolean);
  if (names.length === 0) {
    throw new InputError(
      `Annotation ${AZURE_RESOURCE_GROUP_ANNOTATION} is empty; name one or more resource groups, comma-separated`,
    );
  }
  for (const name of names) {
    if (!RESOURCE_GROUP.test(name) || name.endsWith('.')) {
      throw new InputError(
        `Annotation ${AZURE_RESOURCE_GROUP_ANNOTATION}: '${name}' is not a resource group name`,
      );
    }
  }
  const subscriptionId =
    annotations[AZURE_SUBSCRIPTION_ANNOTATION]?.trim() || defaultSubscriptionId;
  if (!subscriptionId) {
    throw new InputError(
      `Add the annotation ${AZURE_SUBSCRIPTION_ANNOTATION} (the subscription of ${names.join(', ')}), or configure stagedoor.azureCost.azure.defaultSubscriptionId`,
    );
  }
  if (!GUID.test(subscriptionId)) {
    throw new InputError(
      `Annotation ${AZURE_SUBSCRIPTION_ANNOTATION} must be a subscription id (a GUID), got '${subscriptionId}'`,
    );
  }
  const tag = parseTag(annotations[AZURE_COST_TAG_ANNOTATION]);
  const unique = [...new Set(names.map(name => name.toLowerCase()))];
  return unique.map(lower => ({
    subscriptionId: subscriptionId.toLowerCase(),
    resourceGroup: names.find(name => name.toLowerCase() === lower)!,
    ...(tag ? { tag } : {}),
  }));
}

function parseTag(value: string | undefined) {
  if (value === undefined) return undefined;
  const at = value.indexOf('=');
  const key = at < 0 ? '' : value.slice(0, at).trim();
  const tagValue = at < 0 ? '' : value.slice(at + 1).trim();
  if (!key || !tagValue) {
    throw new InputError(
      `Annotation ${AZURE_COST_TAG_ANNOTATION} must be key=value (e.g. service=payments), got '${value}'`,
    );
  }
  return { key, value: tagValue };
}

/** A stable key for a set of scopes (cache and in-flight sharing). */
export function scopeKey(scopes: AzureCostScope[]): string {
  return scopes
    .map(
      s =>
        `${s.subscriptionId}/${s.resourceGroup.toLowerCase()}${s.tag ? `?${s.tag.key}=${s.tag.value}` : ''}`,
    )
    .sort()
    .join('|');
}
