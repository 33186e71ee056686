import {
  getCompoundEntityRef,
  parseEntityRef,
  type Entity,
} from '@backstage/catalog-model';
import { Link } from '@backstage/core-components';
import { useApi, useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { deliveryApiRef } from '../api';
import useAsync from 'react-use/esm/useAsync';

const TECHDOCS_REF = 'backstage.io/techdocs-ref';
const TECHDOCS_ENTITY = 'backstage.io/techdocs-entity';

/** Whether the entity has docs of its own (or borrows another entity's). */
export function hasTechDocs(entity: Entity): boolean {
  const a = entity.metadata.annotations ?? {};
  return Boolean(a[TECHDOCS_REF] || a[TECHDOCS_ENTITY]);
}

/** "3 minutes ago", in the browser's language. */
export function relativeTime(then: number, now = Date.now()): string {
  const seconds = Math.round((then - now) / 1000);
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return format.format(seconds, 'second');
}

/**
 * The TechDocs publish state of the entity's site, from the TechDocs backend:
 * "published <when>" linked to the entity's docs tab, or "not published".
 */
export function TechDocsState(props: { entity: Entity }) {
  const { entity } = props;
  const api = useApi(deliveryApiRef);
  const entityRoute = useRouteRef(entityRouteRef);
  // An entity that borrows another's docs (techdocs-entity) shows that entity's site.
  const borrowed = entity.metadata.annotations?.[TECHDOCS_ENTITY];
  const ref = borrowed
    ? parseEntityRef(borrowed, {
        defaultKind: entity.kind,
        defaultNamespace: entity.metadata.namespace,
      })
    : getCompoundEntityRef(entity);
  const { loading, value, error } = useAsync(
    () => api.getTechDocsSite(ref),
    [api, ref.namespace, ref.kind, ref.name],
  );
  if (loading) return <>…</>;
  if (error) return <>unknown ({error.message})</>;
  if (!value) return <span data-testid="techdocs-state">not published</span>;
  const docs = `${entityRoute(entityRouteParams(entity))}/docs`;
  const when =
    value.buildTimestamp === undefined
      ? ''
      : ` ${relativeTime(value.buildTimestamp)}`;
  return (
    <span data-testid="techdocs-state">
      <Link
        to={docs}
        title={
          value.buildTimestamp === undefined
            ? undefined
            : new Date(value.buildTimestamp).toLocaleString()
        }
      >
        published{when}
      </Link>
    </span>
  );
}
