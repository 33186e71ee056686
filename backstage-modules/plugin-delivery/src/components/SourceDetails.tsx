import type { Entity } from '@backstage/catalog-model';
import { Link, StructuredMetadataTable } from '@backstage/core-components';
import type { SourceStatus } from '@stagedoor/common';
import { azureDevOpsLinks } from '../annotations';
import { ProcessingState } from './ProcessingState';
import { hasTechDocs, TechDocsState } from './TechDocsState';

function linked(text: string, href?: string) {
  return href ? <Link to={href}>{text}</Link> : text;
}

/** Repository, branch, commit, run, when and by whom, and the state of one entity or all. */
export function SourceDetails(props: {
  status: SourceStatus;
  /** Only this entity's processing state (the card); all of the source's otherwise. */
  entityRef?: string;
  /** The entity on the page: its TechDocs publish state when it has docs. */
  entity?: Entity;
}) {
  const { status, entityRef, entity } = props;
  const links = azureDevOpsLinks(status);
  const entities = entityRef
    ? status.entities.filter(e => e.entityRef === entityRef)
    : status.entities;
  const run = status.buildId === null ? 'run' : `#${status.buildId}`;
  return (
    <StructuredMetadataTable
      dense
      metadata={{
        repository: linked(
          status.repositoryName ?? status.sourceKey.split('@')[0],
          links.repository,
        ),
        branch: linked(
          (status.branch ?? status.sourceKey.split('@')[1] ?? '').replace(
            /^refs\/heads\//,
            '',
          ),
          links.branch,
        ),
        commit: linked(status.commit, links.commit),
        'pipeline run': status.buildUrl ? linked(run, status.buildUrl) : '—',
        'pushed at': new Date(status.pushedAt).toLocaleString(),
        'pushed by': status.pushedBy ?? '—',
        processing: <ProcessingState entities={entities} />,
        ...(entity && hasTechDocs(entity)
          ? { techdocs: <TechDocsState entity={entity} /> }
          : {}),
      }}
    />
  );
}
