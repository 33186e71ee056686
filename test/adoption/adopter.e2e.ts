/**
 * The adopter test: Stagedoor as a platform team gets it. The public packages are packed
 * (`npm pack`, which builds them through their `prepack`), installed from the tarballs into a
 * fresh folder outside the repository that holds a plain-JavaScript backend
 * (`test/adoption/backend/`: createBackend + catalog + scaffolder + the two Stagedoor modules),
 * once on the pinned Backstage release and once on the newest release the registry serves.
 * Each backend is started, a repository's catalog file is pushed with the packed `stagedoor`
 * CLI (installed on its own, as `npx stagedoor` would), the entity is read back from the
 * catalog API, and the scaffolder lists the `azure:*` actions. The frontend plugins' tarballs go
 * into an app on the pinned and on the newest frontend release, type-checked with createApp.
 *
 * Run with `npm run test:adopter` (`.ci/run` does). It needs the npm registry; it uses
 * PostgreSQL when STAGEDOOR_TEST_POSTGRES is set (CI), else SQLite (slower: better-sqlite3 is
 * compiled during the install).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { freePort } from '../fixtures/backendApp';
import {
  dropDatabases,
  postgresDatabaseConfig,
  postgresUrl,
  uniquePrefix,
} from '../fixtures/postgres';

const run = promisify(execFile);
const repoRoot = resolve(__dirname, '..', '..');
const TOKEN = 'adopter-ci-token-0123456789';

/** The workspaces adopters install: the modules and plugins, what they depend on, and the CLI. */
const PUBLIC_WORKSPACES = [
  '@stagedoor/common',
  '@stagedoor/plugin-catalog-backend-module-push',
  '@stagedoor/plugin-scaffolder-backend-module-azure-devops',
  'stagedoor',
  // The Azure cost plugin and the frontend plugins: packed and checked like the others.
  '@stagedoor/plugin-azure-cost-common',
  '@stagedoor/plugin-azure-cost-backend',
  '@stagedoor/plugin-delivery',
  '@stagedoor/plugin-azure-cost',
];

/** The Backstage packages an adopter's backend depends on directly. */
const BACKEND_PACKAGES = [
  '@backstage/backend-defaults',
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-scaffolder-backend',
];

/** The Backstage packages an adopter's app needs to take the Stagedoor plugins, pinned. */
const FRONTEND_PINNED: Record<string, string> = {
  '@backstage/frontend-defaults': '0.5.6',
  '@backstage/frontend-plugin-api': '0.18.1',
  '@backstage/plugin-catalog': '2.0.9',
  '@backstage/plugin-catalog-react': '3.2.3',
};

/** The frontend framework packages whose copies must be one per app. */
const FRONTEND_FRAMEWORK = [
  '@backstage/core-app-api',
  '@backstage/core-compat-api',
  '@backstage/core-components',
  '@backstage/core-plugin-api',
  '@backstage/frontend-plugin-api',
  '@backstage/integration-react',
  '@backstage/plugin-permission-react',
  '@backstage/plugin-search-react',
  '@backstage/plugin-techdocs-react',
  '@backstage/ui',
];

/** The pinned release (`../shared/reference/backstage-release.md`, create-app 0.9.2). */
const PINNED: Record<string, string> = {
  '@backstage/backend-defaults': '0.18.0',
  '@backstage/plugin-catalog-backend': '4.0.0',
  '@backstage/plugin-scaffolder-backend': '4.2.0',
};

async function npm(args: string[], cwd: string, timeout = 600_000) {
  return run('npm', args, {
    cwd,
    timeout,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

/** The newest version of each package the registry serves today. */
async function newestRelease(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of BACKEND_PACKAGES) {
    const { stdout } = await npm(
      ['view', `${name}@latest`, 'version'],
      tmpdir(),
    );
    out[name] = stdout.trim();
  }
  return out;
}

interface Started {
  baseUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts `node index.js` in the adopter's folder and waits for readiness (or its exit). */
async function startAdopterBackend(
  dir: string,
  port: number,
): Promise<Started> {
  const baseUrl = `http://localhost:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'index.js',
      '--config',
      'app-config.yaml',
      '--config',
      'app-config.local.yaml',
    ],
    {
      cwd: dir,
      // The adopter's Node: no tsx, no loaders, nothing of this repository's test setup.
      env: { ...process.env, NODE_OPTIONS: '', NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.setEncoding('utf8').on('data', d => (output += d));
  child.stderr!.setEncoding('utf8').on('data', d => (output += d));
  const exited = new Promise<void>(r => child.on('exit', () => r()));
  const started: Started = {
    baseUrl,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `the adopter backend exited (${child.exitCode}):\n${output}`,
      );
    try {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`, {
        signal: AbortSignal.timeout(2_000),
      });
      await res.body?.cancel();
      if (res.ok) return started;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await started.stop();
      throw new Error(
        `the adopter backend was not ready within 120 s:\n${output}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

describe('an adopter installs Stagedoor from its packed tarballs', function () {
  // Packing builds four packages; each release installs a Backstage backend from the registry.
  this.timeout(20 * 60_000);

  const work = mkdtempSync(join(tmpdir(), 'stagedoor-adopter-'));
  const packs = join(work, 'packs');
  const tarballs: Record<string, string> = {};

  let packed: Array<{
    name: string;
    filename: string;
    files: Array<{ path: string }>;
  }>;
  before(async () => {
    mkdirSync(packs);
    const args = ['pack', '--json', '--pack-destination', packs];
    for (const ws of PUBLIC_WORKSPACES) args.push('-w', ws);
    const { stdout } = await npm(args, repoRoot);
    // Lifecycle scripts (prepack builds) print before the JSON document.
    packed = JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1));
    for (const p of packed) tarballs[p.name] = join(packs, p.filename);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('packs built JavaScript, declarations and config schemas only', async () => {
    assert.deepEqual(
      packed.map(p => p.name).sort(),
      [...PUBLIC_WORKSPACES].sort(),
    );
    for (const p of packed) {
      const files = p.files.map(f => f.path);
      const sources = files.filter(
        f =>
          /^(src|test)\//.test(f) ||
          (/\.tsx?$/.test(f) && !f.endsWith('.d.ts')),
      );
      assert.deepEqual(
        sources,
        [],
        `${p.name} ships sources: ${sources.join(', ')}`,
      );
      assert.ok(
        files.some(f => f.startsWith('dist/') && f.endsWith('.js')),
        `${p.name} ships no built JavaScript`,
      );
      if (p.name !== 'stagedoor')
        assert.ok(
          files.includes('dist/index.d.ts'),
          `${p.name} ships no type declarations`,
        );
      if (p.name.includes('backend-module'))
        assert.ok(
          files.includes('config.schema.json'),
          `${p.name} ships no config schema`,
        );
      if (p.name === '@stagedoor/plugin-catalog-backend-module-push')
        assert.ok(
          files.some(f => f.startsWith('migrations/')),
          'migrations missing',
        );
    }
    // Nobody installs the baseline backend or the tasks' core: npm will not publish them.
    for (const ws of ['backend', '@stagedoor/core']) {
      const { stderr } = await npm(
        ['publish', '--dry-run', '-w', ws],
        repoRoot,
      );
      assert.match(stderr, /marked as private/, `${ws} is publishable`);
    }
  });

  /** The packed CLI, installed on its own as a CI job would (`npx stagedoor`). */
  let stagedoorBin: string;
  it('installs the stagedoor command with no dependencies to fetch', async () => {
    const cliDir = join(work, 'cli-user');
    mkdirSync(cliDir);
    writeFileSync(join(cliDir, 'package.json'), '{"private":true}');
    await npm(
      ['install', '--no-audit', '--no-fund', tarballs.stagedoor],
      cliDir,
    );
    stagedoorBin = join(cliDir, 'node_modules', '.bin', 'stagedoor');
    const installed = readdirSync(join(cliDir, 'node_modules'));
    assert.deepEqual(
      installed.filter(n => !n.startsWith('.')),
      ['stagedoor'],
    );
    const { stdout } = await run(stagedoorBin, ['--help'], {
      cwd: cliDir,
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    assert.match(stdout, /Usage: stagedoor <command>/);
    // The package's main is the built bundle: requiring it runs nothing and gives the command's API.
    const api = await run(
      process.execPath,
      [
        '-e',
        "const s = require('stagedoor'); process.stdout.write(typeof s.main + ' ' + typeof s.run)",
      ],
      { cwd: cliDir, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    assert.equal(api.stdout, 'function function');
  });

  /** A repository checkout with one catalog file, outside this repository. */
  let checkout: string;
  before(async () => {
    checkout = join(work, 'checkout');
    mkdirSync(checkout);
    writeFileSync(
      join(checkout, 'catalog-info.yaml'),
      stringify({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'adopter-checkout',
          description: 'Pushed by the adopter test',
        },
        spec: { type: 'service', lifecycle: 'production', owner: 'team-shop' },
      }),
    );
    const git = (...args: string[]) =>
      run(
        'git',
        ['-c', 'user.email=ci@example.com', '-c', 'user.name=CI', ...args],
        {
          cwd: checkout,
        },
      );
    await git('init', '-q', '-b', 'main');
    await git('add', '.');
    await git('commit', '-q', '-m', 'catalog file');
  });

  for (const release of ['pinned', 'newest'] as const) {
    describe(`on the ${release} Backstage release`, () => {
      const dir = join(work, `backend-${release}`);
      const prefix = uniquePrefix();
      let backend: Started | undefined;

      before(async function () {
        const versions = release === 'pinned' ? PINNED : await newestRelease();
        console.log(
          `      ${release}: ${Object.entries(versions)
            .map(([n, v]) => `${n}@${v}`)
            .join(', ')}`,
        );
        mkdirSync(dir);
        const pkg = {
          name: `adopter-backend-${release}`,
          private: true,
          dependencies: {
            ...versions,
            pg: '^8.14.1',
            '@stagedoor/plugin-catalog-backend-module-push': `file:${tarballs['@stagedoor/plugin-catalog-backend-module-push']}`,
            '@stagedoor/plugin-scaffolder-backend-module-azure-devops': `file:${tarballs['@stagedoor/plugin-scaffolder-backend-module-azure-devops']}`,
            // Not yet on the registry: the modules' own dependency comes from its tarball too.
            '@stagedoor/common': `file:${tarballs['@stagedoor/common']}`,
          },
        };
        writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
        for (const f of ['index.js', 'app-config.yaml'])
          copyFileSync(join(__dirname, 'backend', f), join(dir, f));
        // On PostgreSQL no native module is needed: skip install scripts (better-sqlite3's
        // compile). Without it, SQLite needs them.
        await npm(
          [
            'install',
            '--no-audit',
            '--no-fund',
            ...(postgresUrl ? ['--ignore-scripts'] : []),
            ...(postgresUrl ? [] : ['better-sqlite3@^12']),
          ],
          dir,
        );
        const port = await freePort();
        writeFileSync(
          join(dir, 'app-config.local.yaml'),
          stringify({
            backend: {
              baseUrl: `http://localhost:${port}`,
              listen: { port, host: '127.0.0.1' },
              database: postgresUrl
                ? postgresDatabaseConfig(postgresUrl, prefix)
                : { client: 'better-sqlite3', connection: ':memory:' },
            },
          }),
        );
        backend = await startAdopterBackend(dir, port);
      });

      after(async () => {
        await backend?.stop();
        if (postgresUrl) await dropDatabases(postgresUrl, prefix);
      });

      it('accepts a push from the packed CLI and serves the entity', async () => {
        const { stdout, stderr } = await run(
          stagedoorBin,
          [
            'push',
            '--url',
            backend!.baseUrl,
            '--token',
            TOKEN,
            '--organization',
            'https://dev.azure.com/contoso',
            '--project',
            'shop',
            '--repository',
            'checkout',
          ],
          {
            cwd: checkout,
            env: { ...process.env, NODE_OPTIONS: '' },
            timeout: 120_000,
          },
        ).catch(error => {
          throw new Error(
            `stagedoor push failed: ${error.stdout ?? ''}${error.stderr ?? ''}\nbackend:\n${backend!.output()}`,
          );
        });
        assert.match(`${stdout}${stderr}`, /all 1 entities processed/);
        const res = await fetch(
          `${backend!.baseUrl}/api/catalog/entities/by-name/component/default/adopter-checkout`,
          { headers: { authorization: `Bearer ${TOKEN}` } },
        );
        assert.equal(res.status, 200, await res.clone().text());
        const entity = (await res.json()) as {
          metadata: { annotations: Record<string, string> };
        };
        assert.equal(
          entity.metadata.annotations['backstage.io/managed-by-location'],
          'url:https://dev.azure.com/contoso/shop/_git/checkout?path=/catalog-info.yaml',
        );
      });

      it("lists Stagedoor's azure:* actions in the scaffolder", async () => {
        const res = await fetch(
          `${backend!.baseUrl}/api/scaffolder/v2/actions`,
          {
            headers: { authorization: `Bearer ${TOKEN}` },
          },
        );
        assert.equal(res.status, 200, await res.clone().text());
        const ids = ((await res.json()) as Array<{ id: string }>)
          .map(a => a.id)
          .filter(id => id.startsWith('azure:'))
          .sort();
        for (const id of [
          'azure:pipeline:create',
          'azure:pipeline:permit',
          'azure:pipeline:run',
          'azure:serviceconnection:create',
          'azure:variablegroup:create',
        ])
          assert.ok(ids.includes(id), `${id} missing from ${ids.join(', ')}`);
      });
    });
  }
  /**
   * The frontend plugins in an adopter's app: the packed plugins and an app on the pinned
   * frontend release and on the newest the registry serves, type-checked as the adopter's
   * build would (`tsc --noEmit` over an App.tsx that hands both plugins to createApp). A
   * plugin whose declared ranges missed the newest framework would get a second copy of it
   * nested under the plugin, and its features would not fit createApp's types.
   * Not a browser run: the browser test (test/portal) runs the plugins in the baseline's app.
   */
  for (const release of ['pinned', 'newest'] as const) {
    it(`type-checks the Delivery and Azure cost plugins in an app on the ${release} frontend release`, async () => {
      const dir = join(work, `app-${release}`);
      mkdirSync(join(dir, 'src'), { recursive: true });
      const versions: Record<string, string> = { ...FRONTEND_PINNED };
      if (release === 'newest')
        for (const name of Object.keys(versions)) {
          const { stdout } = await npm(
            ['view', `${name}@latest`, 'version'],
            tmpdir(),
          );
          versions[name] = stdout.trim();
        }
      console.log(
        `      ${release} frontend: ${Object.entries(versions)
          .map(([n, v]) => `${n}@${v}`)
          .join(', ')}`,
      );
      const pkg = {
        name: `adopter-app-${release}`,
        private: true,
        dependencies: {
          ...versions,
          react: '^18.3.1',
          'react-dom': '^18.3.1',
          'react-router-dom': '^6.30.0',
          '@types/react': '^18.3.0',
          '@types/react-dom': '^18.3.0',
          '@stagedoor/plugin-delivery': `file:${tarballs['@stagedoor/plugin-delivery']}`,
          '@stagedoor/plugin-azure-cost': `file:${tarballs['@stagedoor/plugin-azure-cost']}`,
          '@stagedoor/common': `file:${tarballs['@stagedoor/common']}`,
          '@stagedoor/plugin-azure-cost-common': `file:${tarballs['@stagedoor/plugin-azure-cost-common']}`,
        },
      };
      // On the pinned release, plain npm resolves caret ranges of the app's own Backstage
      // packages (core-plugin-api ^1.12.10 → 1.13, which needs frontend-plugin-api 1.0) to the
      // newest release and nests a second framework under them; a create-app repository keeps
      // the release's versions in its lock file. The test holds them as the baseline app does,
      // with the root package.json's overrides of the frontend framework packages.
      const overrides =
        release === 'pinned'
          ? Object.fromEntries(
              Object.entries(
                (
                  JSON.parse(
                    readFileSync(join(repoRoot, 'package.json'), 'utf8'),
                  ) as { overrides: Record<string, string> }
                ).overrides,
              ).filter(([name]) => FRONTEND_FRAMEWORK.includes(name)),
            )
          : {};
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ ...pkg, overrides }, null, 2),
      );
      writeFileSync(
        join(dir, 'src', 'App.tsx'),
        [
          "import { createApp } from '@backstage/frontend-defaults';",
          "import catalogPlugin from '@backstage/plugin-catalog/alpha';",
          "import deliveryPlugin from '@stagedoor/plugin-delivery';",
          "import azureCostPlugin from '@stagedoor/plugin-azure-cost';",
          '',
          'const app = createApp({',
          '  features: [catalogPlugin, deliveryPlugin, azureCostPlugin],',
          '});',
          '',
          'export default app.createRoot();',
          '',
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'Bundler',
            lib: ['ES2023', 'DOM', 'DOM.Iterable'],
            jsx: 'react-jsx',
            strict: true,
            esModuleInterop: true,
            skipLibCheck: true,
            noEmit: true,
          },
          include: ['src'],
        }),
      );
      // Material UI v4 declares React ≤ 17 as its peer; apps made by create-app install with
      // yarn, which warns about that and goes on. npm needs --legacy-peer-deps to do the same.
      await npm(
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          '--legacy-peer-deps',
        ],
        dir,
      );
      // One copy of the frontend framework: the plugins share the app's (none nested under them).
      const { stdout: tree } = await npm(
        ['ls', '--all', '--parseable', '@backstage/frontend-plugin-api'],
        dir,
      ).catch(error => ({ stdout: String(error.stdout ?? '') }));
      const copies = tree
        .split('\n')
        .filter(line => line.endsWith('frontend-plugin-api'));
      assert.equal(
        new Set(copies).size,
        1,
        `more than one @backstage/frontend-plugin-api:\n${copies.join('\n')}`,
      );
      await run(
        join(repoRoot, 'node_modules', '.bin', 'tsc'),
        ['-p', 'tsconfig.json'],
        { cwd: dir, timeout: 300_000 },
      ).catch(error => {
        throw new Error(
          `the adopter's app does not type-check on the ${release} release:\n${error.stdout ?? ''}${error.stderr ?? ''}`,
        );
      });
    });
  }
});
