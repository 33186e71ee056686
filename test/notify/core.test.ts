import { strict as assert } from 'node:assert';
import {
  decideGate,
  entityPageUrl,
  locationEntityRef,
  normalizeNotifyOptions,
  renderSummary,
  sourceFromVariables,
  type NotifyResult,
} from '../../tasks/shared/src/notify';
import { scopeForAudience } from '../../tasks/shared/src/auth';
import { credentialOptions } from '../../tasks/shared/src/auth/azure';

describe('notify core', () => {
  it('acts only where the branch filter and the pull-request switch allow', () => {
    const cases: [Parameters<typeof decideGate>[0], boolean][] = [
      [
        {
          branch: 'refs/heads/main',
          branchFilter: 'default',
          runOnPullRequests: false,
        },
        true,
      ],
      [
        {
          branch: 'refs/heads/master',
          branchFilter: 'default',
          runOnPullRequests: false,
        },
        true,
      ],
      [
        {
          branch: 'refs/heads/trunk',
          branchFilter: 'default',
          defaultBranch: 'refs/heads/trunk',
          runOnPullRequests: false,
        },
        true,
      ],
      [
        {
          branch: 'refs/heads/main',
          branchFilter: 'default',
          defaultBranch: 'refs/heads/trunk',
          runOnPullRequests: false,
        },
        false,
      ],
      [
        {
          branch: 'refs/heads/feature/x',
          branchFilter: 'default',
          runOnPullRequests: false,
        },
        false,
      ],
      [
        {
          branch: 'refs/heads/feature/x',
          branchFilter: '*',
          runOnPullRequests: false,
        },
        true,
      ],
      [
        {
          branch: 'refs/heads/release/1.2',
          branchFilter: 'main, release/*',
          runOnPullRequests: false,
        },
        true,
      ],
      [
        {
          branch: 'refs/heads/hotfix',
          branchFilter: 'main, release/*',
          runOnPullRequests: false,
        },
        false,
      ],
      [
        {
          branch: 'refs/pull/4/merge',
          reason: 'PullRequest',
          branchFilter: '*',
          runOnPullRequests: false,
        },
        false,
      ],
      [
        {
          branch: 'refs/pull/4/merge',
          reason: 'PullRequest',
          branchFilter: 'default',
          runOnPullRequests: true,
        },
        true,
      ],
    ];
    for (const [input, act] of cases)
      assert.equal(decideGate(input).act, act, JSON.stringify(input));
  });

  it('builds the push source from the pipeline variables', () => {
    const vars: Record<string, string> = {
      'System.CollectionUri': 'https://dev.azure.com/contoso/',
      'System.TeamProject': 'Shop Floor',
      'Build.Repository.Name': 'orders',
      'Build.Repository.ID': 'abc',
      'Build.SourceBranch': 'refs/heads/main',
      'Build.SourceVersion': 'f'.repeat(40),
      'Build.BuildId': '812',
      'Build.Reason': 'IndividualCI',
    };
    const source = sourceFromVariables(name => vars[name]);
    assert.equal(source.buildId, 812);
    assert.equal(
      source.buildUrl,
      'https://dev.azure.com/contoso/Shop%20Floor/_build/results?buildId=812',
    );
    assert.equal(source.repositoryId, 'abc');
  });

  it('names every missing pipeline variable and rejects bad numbers', () => {
    const connection = {
      url: 'http://b',
      auth: { kind: 'token' as const, token: 't' },
    };
    assert.throws(
      () =>
        normalizeNotifyOptions({
          connection,
          source: sourceFromVariables(() => undefined),
        }),
      /System\.CollectionUri.*System\.TeamProject.*Build\.Repository\.Name.*Build\.SourceBranch.*Build\.SourceVersion/,
    );
    const source = sourceFromVariables(
      n =>
        ({
          'System.CollectionUri': 'https://dev.azure.com/c',
          'System.TeamProject': 'p',
          'Build.Repository.Name': 'r',
          'Build.SourceBranch': 'main',
          'Build.SourceVersion': 'abcdef1',
        })[n],
    );
    assert.throws(
      () =>
        normalizeNotifyOptions({
          connection,
          source,
          timeoutSeconds: Number('x'),
        }),
      /timeoutSeconds must be a positive number/,
    );
    assert.throws(
      () =>
        normalizeNotifyOptions({ connection, source, mode: 'pull' as 'push' }),
      /mode must be 'push' or 'refresh'/,
    );
  });

  it('links entity pages and Location entities the way Backstage names them', () => {
    assert.equal(
      entityPageUrl(
        'https://backstage.contoso.com/',
        'component:default/orders',
      ),
      'https://backstage.contoso.com/catalog/default/component/orders',
    );
    // locationSpecToMetadataName of @backstage/plugin-catalog-node for { type: 'url', target }.
    assert.match(
      locationEntityRef(
        'https://dev.azure.com/c/p/_git/r?path=/catalog-info.yaml',
      ),
      /^location:default\/generated-[0-9a-f]{40}$/,
    );
  });

  it('writes a Markdown summary with a link per entity and the problems', () => {
    const result: NotifyResult = {
      status: 'failed',
      mode: 'push',
      dryRun: false,
      message: 'Pushed x; 1 with processing errors.',
      sourceKey: 'contoso/shop/orders@main',
      commit: 'abc',
      added: ['component:default/orders'],
      updated: [],
      removed: ['api:default/old'],
      unchanged: [],
      refreshed: [],
      entities: [],
      problems: [
        {
          file: 'catalog-info.yaml',
          line: 3,
          column: 5,
          severity: 'warning',
          rule: 'x/y',
          message: 'Mind the | pipe',
        },
      ],
      processing: [
        {
          entityRef: 'component:default/orders',
          state: 'failed',
          errors: [{ name: 'InputError', message: 'bad' }],
        },
      ],
    };
    const md = renderSummary(result, 'https://bs');
    assert.match(
      md,
      /\| \[component:default\/orders\]\(https:\/\/bs\/catalog\/default\/component\/orders\) \| added \| failed: bad \|/,
    );
    assert.match(md, /\| api:default\/old \| removed \| \|/);
    assert.match(md, /`catalog-info\.yaml:3:5` Mind the \\\| pipe/);
  });

  it('turns an audience into a scope and trusts custom authority hosts as configured', () => {
    assert.equal(
      scopeForAudience('api://backstage'),
      'api://backstage/.default',
    );
    assert.equal(
      scopeForAudience('api://backstage/.default'),
      'api://backstage/.default',
    );
    assert.deepEqual(
      credentialOptions({
        id: 'a',
        scheme: 'ServicePrincipal',
        authorityHost: 'https://login.microsoftonline.us/',
      }),
      { authorityHost: 'https://login.microsoftonline.us' },
    );
    assert.deepEqual(
      credentialOptions({
        id: 'a',
        scheme: 'ServicePrincipal',
        authorityHost: 'https://127.0.0.1:8443',
      }),
      {
        authorityHost: 'https://127.0.0.1:8443',
        disableInstanceDiscovery: true,
      },
    );
    assert.throws(
      () =>
        credentialOptions({
          id: 'a',
          scheme: 'ServicePrincipal',
          authorityHost: 'http://login.example',
        }),
      /must use https/,
    );
  });
});
