/**
 * The portal in a real browser: Debian's chromium driven by playwright-core against the
 * baseline backend (app-backend serving backstage-modules/app), after a push with the
 * `stagedoor` CLI and a TechDocs publish to Azurite with `stagedoor techdocs publish`.
 *
 * Chromium: /usr/bin/chromium (`apt-get install -y chromium`, as .ci/run does) or
 * STAGEDOOR_CHROMIUM. Screenshots: on failure into .stagedoor/screenshots/; with
 * STAGEDOOR_SCREENSHOTS=<dir>, the Delivery card and page on success too (docs/images/).
 *
 * Discovery runs against the fake Azure DevOps too, so that a repository without a
 * catalog file becomes an unowned placeholder whose card links to the onboarding
 * template.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { main } from '../../tasks/shared/src/cli';
import { startAzurite, type RunningAzurite } from '../fixtures/azurite';
import {
  startFakeAzureDevOps,
  type FakeAzureDevOps,
} from '../fixtures/azure-devops';
import {
  DEV_TOKEN,
  startBackendApp,
  type BackendApp,
} from '../fixtures/backendApp';
import { makeRepo, removeRepos } from '../notify/repo';

const repoRoot = resolve(__dirname, '..', '..');
const executablePath = process.env.STAGEDOOR_CHROMIUM ?? '/usr/bin/chromium';
const failureDir = join(repoRoot, '.stagedoor', 'screenshots');
const COMMIT = 'c0ffee'.padEnd(40, '7');
const STEP_MS = 60_000;
const PAT = 'portal-discovery-pat';

async function stagedoor(args: string[], cwd: string, env = {}) {
  let out = '';
  const code = await main(args, {
    stdout: t => (out += t),
    stderr: t => (out += t),
    env,
    cwd,
  });
  assert.equal(code, 0, `stagedoor ${args.join(' ')}:\n${out}`);
}

describe('the portal in a browser', function () {
  this.timeout(600_000);
  let azurite: RunningAzurite;
  let fake: FakeAzureDevOps;
  let backend: BackendApp;
  let context: BrowserContext;
  let page: Page;
  let profile: string;

  before(async function () {
    assert.ok(
      existsSync(executablePath),
      `Chromium is not at ${executablePath}: apt-get install -y chromium, or set STAGEDOOR_CHROMIUM`,
    );
    const build = spawnSync(
      process.execPath,
      [join(repoRoot, 'scripts/build-app.mjs')],
      { stdio: 'inherit', timeout: 480_000 },
    );
    assert.equal(build.status, 0, 'the web app did not build');

    // A repository without a catalog file, for discovery's placeholder.
    fake = await startFakeAzureDevOps({
      organization: 'contoso',
      pats: { [PAT]: { displayName: 'Discovery' } },
      projects: [{ name: 'Legacy', repositories: ['old-billing'] }],
    });
    fake.state
      .repository(fake.state.project('Legacy'), 'old-billing')
      .files.set('/README.md', Buffer.from('# old billing\n'));

    azurite = await startAzurite();
    const container = 'portal-docs';
    await BlobServiceClient.fromConnectionString(azurite.connectionString)
      .getContainerClient(container)
      .create();
    backend = await startBackendApp({
      timeoutMs: 180_000,
      config: {
        integrations: {
          azure: [
            {
              host: new URL(fake.baseUrl).host,
              credentials: [{ personalAccessToken: PAT }],
            },
          ],
        },
        stagedoor: {
          discovery: {
            organizations: [{ url: fake.orgUrl }],
            schedule: {
              frequency: { minutes: 30 },
              timeout: { minutes: 2 },
              initialDelay: { seconds: 1 },
            },
          },
        },
        techdocs: {
          builder: 'external',
          publisher: {
            type: 'azureBlobStorage',
            azureBlobStorage: {
              containerName: container,
              connectionString: azurite.connectionString,
            },
          },
        },
      },
    });

    const repo = makeRepo({
      'catalog-info.yaml': [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: portal-orders',
        '  description: Orders, delivered by a pipeline.',
        '  annotations:',
        '    backstage.io/techdocs-ref: dir:.',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: platform-team',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: portal-orders-worker',
        '  annotations:',
        '    backstage.io/techdocs-ref: dir:./worker',
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: platform-team',
        '',
      ].join('\n'),
      'mkdocs.yml': 'site_name: Portal Orders\nnav:\n  - Home: index.md\n',
      'docs/index.md': '# Orders handbook\n\nHow orders flow.\n',
    });
    await stagedoor(
      [
        'push',
        '--url',
        backend.baseUrl,
        '--token',
        DEV_TOKEN,
        '--organization',
        'https://dev.azure.com/contoso',
        '--project',
        'shop',
        '--repository',
        'portal-orders',
        '--branch',
        'refs/heads/main',
        '--commit',
        COMMIT,
        '--build-id',
        '4242',
      ],
      repo,
    );
    await stagedoor(
      [
        'techdocs',
        'publish',
        '--entity',
        'default/component/portal-orders',
        '--container',
        container,
        '--omit-techdocs-core-plugin',
      ],
      repo,
      { STAGEDOOR_STORAGE_CONNECTION_STRING: azurite.connectionString },
    );

    profile = mkdtempSync(join(tmpdir(), 'stagedoor-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1400, height: 900 },
      timeout: STEP_MS,
    });
    context.setDefaultTimeout(STEP_MS);
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      mkdirSync(failureDir, { recursive: true });
      const file = join(failureDir, `${Date.now()}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.log(
        `screenshot: ${file}\nbackend output:\n${backend?.output().slice(-4000)}`,
      );
    }
  });

  after(async () => {
    await context?.close();
    await backend?.stop();
    await azurite?.stop();
    await fake?.close();
    removeRepos();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const screenshot = async (name: string) => {
    const dir = process.env.STAGEDOOR_SCREENSHOTS;
    if (dir) {
      await page.screenshot({ path: resolve(repoRoot, dir, name) });
    }
  };

  it('signs in as guest and finds the pushed entity in the catalog table', async () => {
    await page.goto(`${backend.baseUrl}/`);
    await page.getByRole('button', { name: 'Enter' }).click();
    // Signed in once the app's sidebar is there.
    await page.getByRole('link', { name: 'Catalog' }).first().click();
    await page
      .getByRole('link', { name: 'portal-orders', exact: true })
      .click();
    await page.waitForURL(/\/catalog\/default\/component\/portal-orders/);
  });

  it('shows the Delivery card with the pushed commit and its Azure DevOps link', async () => {
    const card = page.locator('article, div').filter({
      has: page.getByText('Pushed by an Azure DevOps pipeline'),
    });
    const commit = page.getByRole('link', { name: COMMIT });
    await commit.waitFor();
    assert.equal(
      await commit.getAttribute('href'),
      `https://dev.azure.com/contoso/shop/_git/portal-orders/commit/${COMMIT}`,
    );
    await page
      .getByText('component:default/portal-orders: processed')
      .waitFor();
    assert.ok((await card.count()) > 0);
    // The TechDocs publish state, from the TechDocs backend's metadata route.
    const published = page
      .getByTestId('techdocs-state')
      .getByRole('link', { name: /^published / });
    await published.waitFor();
    assert.equal(
      await published.getAttribute('href'),
      '/catalog/default/component/portal-orders/docs',
    );
    assert.match(
      (await published.textContent()) ?? '',
      /^published (now|\d+ (seconds?|minutes?) ago)$/,
    );
    await commit.scrollIntoViewIfNeeded();
    await screenshot('portal-delivery-card.png');
  });

  it('says "not published" for a pushed entity with docs but no published site', async () => {
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/portal-orders-worker`,
    );
    await page
      .getByText('component:default/portal-orders-worker: processed')
      .waitFor();
    await page
      .getByTestId('techdocs-state')
      .getByText('not published', { exact: true })
      .waitFor();
  });

  it('shows a discovery placeholder as unowned, linked to the onboarding template with the repository filled in', async () => {
    await page.goto(`${backend.baseUrl}/catalog/default/component/old-billing`);
    const unowned = page.getByTestId('delivery-unowned');
    await unowned.waitFor({ timeout: 120_000 });
    assert.equal(
      (await unowned.textContent())?.trim(),
      'unowned — onboard this repository',
    );
    // No docs annotation on a placeholder: no TechDocs row.
    await page.getByText('pushed by').first().waitFor();
    assert.equal(await page.getByTestId('techdocs-state').count(), 0);
    await unowned.scrollIntoViewIfNeeded();
    await screenshot('portal-delivery-unowned.png');
    await unowned
      .getByRole('link', { name: 'onboard this repository' })
      .click();
    await page.waitForURL(/\/create\/templates\/default\/onboard-repository\?/);
    const formData = JSON.parse(
      new URL(page.url()).searchParams.get('formData') ?? '{}',
    );
    assert.deepEqual(formData, {
      placeholder: 'component:default/old-billing',
      repoUrl: `${new URL(fake.baseUrl).host}?organization=contoso&project=Legacy&repo=old-billing`,
      name: 'old-billing',
    });
    // The form shows what the link filled in.
    await page.getByText('Onboard an existing repository').first().waitFor();
    await page.locator('input[value="old-billing"]').first().waitFor();
  });

  it('opens the entity docs and shows their first heading', async () => {
    await page.goto(`${backend.baseUrl}/docs/default/component/portal-orders`);
    await page.getByRole('heading', { name: 'Orders handbook' }).waitFor();
  });

  it('lists the pushed source on the Delivery page', async () => {
    await page.goto(`${backend.baseUrl}/delivery`);
    await page.getByLabel('Only sources with processing errors').uncheck();
    await page
      .getByRole('link', { name: /contoso\/shop\/portal-orders/ })
      .waitFor();
    await page.getByText('all 2 entities processed').waitFor();
    await screenshot('portal-delivery-page.png');
  });
});
