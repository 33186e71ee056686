import { useState } from 'react';
import {
  Content,
  Header,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  StatusOK,
  Table,
  type TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/frontend-plugin-api';
import { Checkbox, FormControlLabel, TextField } from '@material-ui/core';
import type { SourceStatus } from '@stagedoor/common';
import { azureDevOpsLinks } from '../annotations';
import { deliveryApiRef } from '../api';
import useAsync from 'react-use/esm/useAsync';
import { ProcessingState } from './ProcessingState';

const columns: TableColumn<SourceStatus>[] = [
  {
    title: 'Source',
    field: 'sourceKey',
    render: s => {
      const href = azureDevOpsLinks(s).repository;
      return href ? <Link to={href}>{s.sourceKey}</Link> : s.sourceKey;
    },
  },
  { title: 'Project', field: 'project' },
  {
    title: 'Commit',
    field: 'commit',
    render: s => {
      const href = azureDevOpsLinks(s).commit;
      const text = s.commit.slice(0, 8);
      return href ? <Link to={href}>{text}</Link> : text;
    },
  },
  {
    title: 'Run',
    field: 'buildId',
    render: s =>
      s.buildUrl ? <Link to={s.buildUrl}>{s.buildId ?? 'run'}</Link> : '—',
  },
  {
    title: 'Pushed',
    field: 'pushedAt',
    render: s => new Date(s.pushedAt).toLocaleString(),
  },
  {
    title: 'Processing',
    field: 'entities',
    render: s => {
      const open = s.entities.filter(e => e.state !== 'processed');
      return open.length > 0 ? (
        <ProcessingState entities={open} />
      ) : (
        <StatusOK>
          {s.entities.length === 1
            ? '1 entity processed'
            : `all ${s.entities.length} entities processed`}
        </StatusOK>
      );
    },
  },
];

/** The platform team's page: sources whose entities the catalog failed to process, newest first. */
export function DeliveryPage() {
  const api = useApi(deliveryApiRef);
  const [project, setProject] = useState('');
  const [failedOnly, setFailedOnly] = useState(true);
  const { loading, value, error } = useAsync(
    () => api.listSources({ project: project.trim() || undefined, failedOnly }),
    [api, project, failedOnly],
  );
  return (
    <Page themeId="tool">
      <Header
        title="Delivery"
        subtitle="What the Azure DevOps pipelines pushed to the catalog"
      />
      <Content>
        <TextField
          label="Project"
          value={project}
          onChange={e => setProject(e.target.value)}
        />
        <FormControlLabel
          control={
            <Checkbox
              checked={failedOnly}
              onChange={e => setFailedOnly(e.target.checked)}
            />
          }
          label="Only sources with processing errors"
        />
        {error && <ResponseErrorPanel error={error} />}
        {loading && !value && <Progress />}
        {value && (
          <Table
            title={failedOnly ? 'Sources with failures' : 'Sources'}
            options={{ paging: false, search: false }}
            columns={columns}
            data={value.items}
            emptyContent={
              <div style={{ padding: 16 }}>
                {failedOnly
                  ? 'No pushed source has processing errors.'
                  : 'Nothing was pushed yet: add the BackstageCatalogNotify task to a pipeline.'}
              </div>
            }
          />
        )}
      </Content>
    </Page>
  );
}
