/**
 * The Azure cost card in a real browser: the baseline backend (app-backend serving
 * backstage-modules/app with @stagedoor/plugin-azure-cost) whose azure-cost plugin asks
 * the fake Cost Management for the example entity checkout-service's resource group, with
 * a workload-identity token from the fake Entra ID. Chromium as in browser.test.ts;
 * with STAGEDOOR_SCREENSHOTS=<dir>, the card is saved as azure-cost-card.png.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startBackendApp, type BackendApp } from '../fixtures/backendApp';
import type { FixtureCost } from '../fixtures/cost-management';
import { startAzureFakes, type AzureFakes } from '../azure-cost/fakes';

const repoRoot = resolve(__dirname, '..', '..');
const executablePath = process.env.STAGEDOOR_CHROMIUM ?? '/usr/bin/chromium';
const failureDir = join(repoRoot, '.stagedoor', 'screenshots');
// The example entities' subscription and resource group (backend/examples/entities.yaml).
const SUBSCRIPTION = '6b1f0e7a-2c3d-4e5f-8a9b-0c1d2e3f4a5b';
const STEP_MS = 60_000;

const day = (ago: number) =>
  new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);

describe('the Azure cost card in a browser', function () {
  this.timeout(600_000);
  let fakes: AzureFakes;
  let backend: BackendApp;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  let total = 0;

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

    fakes = await startAzureFakes();
    const costs: FixtureCost[] = [];
    for (let ago = 0; ago < 30; ago++) {
      // A weekly rhythm on the App Service plan; multiples of 0.25 add up exactly.
      for (const [service, cost] of [
        ['Azure App Service', 3 + (ago % 7) * 0.5],
        ['Azure Database for PostgreSQL', 2.25],
        ['Storage', 0.5],
      ] as const) {
        costs.push({
          date: day(ago),
          service,
          resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-checkout-prod/providers/x/${service.length}`,
          cost,
        });
        total += cost;
      }
    }
    fakes.costManagement.setResourceGroup({
      subscriptionId: SUBSCRIPTION,
      name: 'rg-checkout-prod',
      currency: 'EUR',
      costs,
    });

    backend = await startBackendApp({
      timeoutMs: 180_000,
      env: fakes.env,
      config: {
        stagedoor: {
          azureCost: {
            source: 'azure',
            azure: { endpoint: fakes.costManagement.url },
          },
        },
      },
    });

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
        '--lang=en-US',
      ],
      locale: 'en-US',
      viewport: { width: 1400, height: 1000 },
      timeout: STEP_MS,
    });
    context.setDefaultTimeout(STEP_MS);
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      mkdirSync(failureDir, { recursive: true });
      const file = join(failureDir, `azure-cost-${Date.now()}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.log(
        `screenshot: ${file}\nbackend output:\n${backend?.output().slice(-4000)}`,
      );
    }
  });

  after(async () => {
    await context?.close();
    await backend?.stop();
    await fakes?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("shows the total and the service chart from Cost Management's answer", async () => {
    await page.goto(`${backend.baseUrl}/`);
    await page.getByRole('button', { name: 'Enter' }).click();
    // Signed in once the sign-in page has gone (the guest session is then stored).
    await page
      .getByText('Enter as a Guest User')
      .waitFor({ state: 'detached' });
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/checkout-service`,
    );
    await page.getByText('Azure Costs (Last 30 Days)').first().waitFor();
    const totalText = page.getByTestId('azure-cost-total');
    await totalText.waitFor();
    assert.ok(total > 0 && total < 1000);
    assert.equal(await totalText.innerText(), `€${total.toFixed(2)}`);
    const chart = page.getByTestId('azure-cost-by-service');
    await chart.locator('svg.recharts-surface').first().waitFor();
    await chart.getByText('Azure App Service').first().waitFor();
    await page
      .getByTestId('azure-cost-daily')
      .locator('svg.recharts-surface')
      .first()
      .waitFor();
    assert.equal(await page.getByText('sample data').count(), 0);
    const request = fakes.costManagement.requests.find(
      r => r.resourceGroup === 'rg-checkout-prod',
    );
    assert.equal(request?.status, 200);

    const dir = process.env.STAGEDOOR_SCREENSHOTS;
    if (dir) {
      const card = page
        .locator('.MuiCard-root')
        .filter({ hasText: 'Azure Costs (Last 30 Days)' })
        .first();
      await card.screenshot({
        path: resolve(repoRoot, dir, 'azure-cost-card.png'),
      });
    }
  });

  it('shows what Azure said when it refuses a query', async () => {
    // checkout-web also names rg-frontdoor-shared, which this subscription does not have.
    await page.goto(
      `${backend.baseUrl}/catalog/default/component/checkout-web`,
    );
    await page.getByText('Azure said …').waitFor();
    await page
      .getByText(/Resource group 'rg-frontdoor-shared' could not be found/)
      .waitFor();
  });

  it("sums the Group's components on its page", async () => {
    const webCosts: FixtureCost[] = [];
    for (let ago = 0; ago < 30; ago++) {
      webCosts.push(
        {
          date: day(ago),
          service: 'Azure Front Door',
          resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-frontdoor-shared/providers/x/fd`,
          cost: 1.25,
          tags: { service: 'checkout-web' },
        },
        {
          date: day(ago),
          service: 'Azure Front Door',
          resourceId: `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-frontdoor-shared/providers/x/other`,
          cost: 10,
          tags: { service: 'someone-else' },
        },
      );
    }
    fakes.costManagement.setResourceGroup({
      subscriptionId: SUBSCRIPTION,
      name: 'rg-frontdoor-shared',
      currency: 'EUR',
      costs: webCosts,
    });
    await page.goto(`${backend.baseUrl}/catalog/default/group/platform-team`);
    const totalText = page.getByTestId('azure-cost-total');
    await totalText.waitFor();
    // checkout-service's resource group plus checkout-web's tagged Front Door share.
    assert.equal(
      await totalText.innerText(),
      `€${(total + 30 * 1.25).toFixed(2)}`,
    );
    await page.getByText(/Sum over 2 components/).waitFor();
  });
});
