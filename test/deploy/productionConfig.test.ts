import { strict as assert } from 'node:assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { loadConfig, loadConfigSchema } from '@backstage/config-loader';
import type { AppConfig } from '@backstage/config';
import { signInMethodsFor } from '../../backstage-modules/app/src/signIn/providers';
import {
  backendDir,
  configVariables,
  pipelineTokenEnv,
  placeholderEnv,
} from './productionEnv';

type ConfigSchema = Awaited<ReturnType<typeof loadConfigSchema>>;

/*
 * Keys that are read only by a module this repository does not install, so no installed
 * schema declares them: the upstream Azure DevOps discovery provider
 * (@backstage/plugin-catalog-backend-module-azure), which adopters add themselves.
 */
const UNDECLARED_BY_DESIGN = ['/catalog/providers/azureDevOps'];

async function load(
  files: string[],
  env: Record<string, string>,
): Promise<AppConfig[]> {
  const { appConfigs } = await loadConfig({
    configRoot: backendDir,
    configTargets: files.map(file => ({ path: path.join(backendDir, file) })),
    experimentalEnvFunc: async name => env[name],
  });
  return appConfigs;
}

/**
 * Keys of the production files that no installed schema declares (typos, keys of modules
 * that are not installed). Only the production files are checked this strictly: the
 * development file carries frontend keys (app.title, organization) whose plugins are not
 * part of this backend. Missing required values are the lenient pass's concern.
 */
function undeclaredKeys(schema: ConfigSchema, configs: AppConfig[]): string[] {
  const production = configs.filter(
    c => !c.context.endsWith('app-config.yaml'),
  );
  try {
    schema.process(production);
    return [];
  } catch (error) {
    const messages: string[] = (error as { messages?: string[] }).messages ?? [
      String(error),
    ];
    return messages
      .filter(
        m =>
          !m.includes('must have required property') &&
          !m.includes('must match a schema in anyOf'),
      )
      .filter(
        m =>
          !UNDECLARED_BY_DESIGN.some(key => {
            const parent = key.slice(0, key.lastIndexOf('/'));
            return (
              m.includes(
                `additionalProperty=${key.slice(parent.length + 1)} `,
              ) && m.endsWith(` at ${parent}`)
            );
          }),
      );
  }
}

describe('production configuration', function () {
  this.timeout(180_000);
  let tmp: string;
  let schema: ConfigSchema;
  let strictSchema: ConfigSchema;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stagedoor-deploy-config-'));
    fs.writeFileSync(
      path.join(tmp, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nplaceholder\n-----END CERTIFICATE-----\n',
    );
    // Every installed plugin's schema, walked from the backend package's dependency tree,
    // including the Stagedoor modules' config.d.ts (compiled from TypeScript by the loader).
    schema = await loadConfigSchema({ dependencies: ['backend'] });
    strictSchema = await loadConfigSchema({
      serialized: schema.serialize(),
      noUndeclaredProperties: true,
    });
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('passes every installed plugin schema, Stagedoor included, on top of the development config', async () => {
    const configs = await load(
      ['app-config.yaml', 'app-config.production.yaml'],
      placeholderEnv(path.join(tmp, 'ca.pem')),
    );
    schema.process(configs);
    assert.deepEqual(undeclaredKeys(strictSchema, configs), []);
  });

  it('collects the Stagedoor modules and the Microsoft modules among the schemas', async () => {
    const serialized = schema.serialize() as {
      schemas: { packageName: string }[];
    };
    const names = serialized.schemas.map(s => s.packageName);
    for (const expected of [
      '@stagedoor/plugin-catalog-backend-module-push',
      '@stagedoor/plugin-scaffolder-backend-module-azure-devops',
      '@backstage/plugin-auth-backend-module-microsoft-provider',
      '@backstage/plugin-catalog-backend-module-msgraph',
      '@backstage/plugin-techdocs-backend',
      '@backstage/backend-defaults',
    ]) {
      assert.ok(
        names.includes(expected),
        `no schema collected from ${expected}`,
      );
    }
  });

  it('reads PostgreSQL with verified TLS and the CA from a file, and drops the SQLite settings', async () => {
    const config = ConfigReader.fromConfigs(
      await load(
        ['app-config.yaml', 'app-config.production.yaml'],
        placeholderEnv(path.join(tmp, 'ca.pem')),
      ),
    );
    assert.equal(config.getString('backend.database.client'), 'pg');
    const connection = config.getConfig('backend.database.connection');
    assert.equal(connection.getString('type'), 'default');
    assert.equal(connection.getBoolean('ssl.rejectUnauthorized'), true);
    assert.match(connection.getString('ssl.ca'), /BEGIN CERTIFICATE/);
    assert.equal(connection.has('directory'), false);
    assert.equal(config.getNumber('backend.database.knexConfig.pool.max'), 8);
  });

  it('switches PostgreSQL to Entra passwordless when POSTGRES_AUTH_TYPE=azure and no password is set', async () => {
    const env = placeholderEnv(path.join(tmp, 'ca.pem'));
    delete (env as Record<string, string | undefined>).POSTGRES_PASSWORD;
    const configs = await load(
      ['app-config.yaml', 'app-config.production.yaml'],
      { ...env, POSTGRES_AUTH_TYPE: 'azure' },
    );
    schema.process(configs);
    const connection = ConfigReader.fromConfigs(configs).getConfig(
      'backend.database.connection',
    );
    assert.equal(connection.getString('type'), 'azure');
    assert.equal(connection.has('password'), false);
  });

  it('signs in with Microsoft Entra ID only, resolving users by their Entra object id', async () => {
    const config = ConfigReader.fromConfigs(
      await load(
        ['app-config.yaml', 'app-config.production.yaml'],
        placeholderEnv(path.join(tmp, 'ca.pem')),
      ),
    );
    assert.equal(config.getString('auth.environment'), 'production');
    assert.deepEqual(config.getConfig('auth.providers').keys(), ['microsoft']);
    const resolvers = config.getConfigArray(
      'auth.providers.microsoft.production.signIn.resolvers',
    );
    assert.deepEqual(
      resolvers.map(r => r.getString('resolver')),
      ['userIdMatchingUserEntityAnnotation'],
    );
    assert.equal(config.getOptionalBoolean('stagedoor.printDevToken'), false);
    // Only the shipped templates are read from files; the development samples stay out.
    const locations = config.getConfigArray('catalog.locations');
    assert.equal(locations.length, 3);
    for (const location of locations) {
      const target = location.getString('target');
      assert.match(target, /^\.\/examples\/templates\/[^/]+\/template\.yaml$/);
      assert.ok(
        fs.existsSync(path.join(backendDir, target)),
        `${target} is missing`,
      );
      assert.deepEqual(location.get('rules'), [{ allow: ['Template'] }]);
    }
  });

  it('offers guest sign-in in the web app only in development, Microsoft alone in production', async () => {
    // What app-backend injects into the web app: the frontend-visible part of the config.
    const frontendConfig = async (files: string[]) =>
      ConfigReader.fromConfigs(
        schema.process(
          await load(files, placeholderEnv(path.join(tmp, 'ca.pem'))),
          { visibility: ['frontend'] },
        ),
      );
    const production = await frontendConfig([
      'app-config.yaml',
      'app-config.production.yaml',
    ]);
    assert.deepEqual(
      signInMethodsFor(production.getOptionalString('auth.environment')),
      ['microsoft'],
    );
    assert.equal(
      production.getString('app.baseUrl'),
      'https://backstage.example.com',
    );
    const development = await frontendConfig(['app-config.yaml']);
    assert.deepEqual(
      signInMethodsFor(development.getOptionalString('auth.environment')),
      ['guest'],
    );
  });

  it('accepts Entra ID tokens through jwks and adds the static token only with the pipeline-token file', async () => {
    const env: Record<string, string> = {
      ...placeholderEnv(path.join(tmp, 'ca.pem')),
      ...pipelineTokenEnv,
    };
    const base = ConfigReader.fromConfigs(
      await load(['app-config.yaml', 'app-config.production.yaml'], env),
    );
    const withTokenConfigs = await load(
      [
        'app-config.yaml',
        'app-config.production.yaml',
        'app-config.pipeline-token.yaml',
      ],
      env,
    );
    assert.deepEqual(undeclaredKeys(strictSchema, withTokenConfigs), []);
    const withToken = ConfigReader.fromConfigs(withTokenConfigs);

    const baseAccess = base.get<Array<{ type: string }>>(
      'backend.auth.externalAccess',
    );
    assert.deepEqual(
      baseAccess.map(e => e.type),
      ['jwks'],
    );
    const jwks = base.getConfigArray('backend.auth.externalAccess')[0];
    assert.equal(
      jwks.getString('options.url'),
      `https://login.microsoftonline.com/${env.AZURE_TENANT_ID}/discovery/v2.0/keys`,
    );
    assert.deepEqual(jwks.getStringArray('options.audience'), [
      env.BACKSTAGE_API_CLIENT_ID,
      `api://${env.BACKSTAGE_API_CLIENT_ID}`,
    ]);

    const tokenAccess = withToken.get<Array<{ type: string }>>(
      'backend.auth.externalAccess',
    );
    assert.deepEqual(
      tokenAccess.map(e => e.type),
      ['jwks', 'static'],
    );
    assert.deepEqual(
      tokenAccess[0],
      baseAccess[0],
      'the jwks entries of the two files drifted apart',
    );

    const baseRules = base.get<Array<{ principals: string[] }>>(
      'stagedoor.push.rules',
    );
    const tokenRules = withToken.get<Array<{ principals: string[] }>>(
      'stagedoor.push.rules',
    );
    assert.deepEqual(
      baseRules.map(r => r.principals),
      [[`external:entra:${env.STAGEDOOR_PIPELINE_PRINCIPAL_ID}`]],
    );
    assert.deepEqual(
      tokenRules[0],
      baseRules[0],
      'the push rules of the two files drifted apart',
    );
    assert.deepEqual(tokenRules[1].principals, [
      'external:azure-pipelines-static',
    ]);
  });

  it('publishes TechDocs to Azure Blob Storage without an account key', async () => {
    const config = ConfigReader.fromConfigs(
      await load(
        ['app-config.yaml', 'app-config.production.yaml'],
        placeholderEnv(path.join(tmp, 'ca.pem')),
      ),
    );
    assert.equal(config.getString('techdocs.builder'), 'external');
    assert.equal(
      config.getString('techdocs.publisher.type'),
      'azureBlobStorage',
    );
    assert.equal(
      config.getString(
        'techdocs.publisher.azureBlobStorage.credentials.accountName',
      ),
      'stagedoortechdocs',
    );
    assert.equal(
      config.has('techdocs.publisher.azureBlobStorage.credentials.accountKey'),
      false,
    );
    assert.equal(
      config.has('techdocs.publisher.azureBlobStorage.connectionString'),
      false,
    );
  });

  it('uses a managed identity for Azure DevOps unless service principal variables are set', async () => {
    const env = placeholderEnv(path.join(tmp, 'ca.pem'));
    const mi = ConfigReader.fromConfigs(
      await load(['app-config.yaml', 'app-config.production.yaml'], env),
    );
    assert.deepEqual(mi.get('integrations.azure'), [
      {
        host: 'dev.azure.com',
        credentials: [{ clientId: env.AZURE_DEVOPS_CLIENT_ID }],
      },
    ]);
    const spConfigs = await load(
      ['app-config.yaml', 'app-config.production.yaml'],
      {
        ...env,
        AZURE_DEVOPS_CLIENT_SECRET: 'placeholder-sp-secret',
        AZURE_DEVOPS_TENANT_ID: env.AZURE_TENANT_ID,
      },
    );
    schema.process(spConfigs);
    const sp = ConfigReader.fromConfigs(spConfigs);
    assert.deepEqual(
      Object.keys(sp.get<object[]>('integrations.azure')[0]).sort(),
      ['credentials', 'host'],
    );
    assert.equal(
      sp
        .getConfigArray('integrations.azure')[0]
        .getConfigArray('credentials')[0]
        .keys().length,
      3,
    );
  });

  it('fails schema validation when a required production value is missing', async () => {
    const env = placeholderEnv(path.join(tmp, 'ca.pem'));
    delete (env as Record<string, string | undefined>)
      .AUTH_MICROSOFT_CLIENT_SECRET;
    const configs = await load(
      ['app-config.yaml', 'app-config.production.yaml'],
      env,
    );
    assert.throws(() => schema.process(configs), /clientSecret/);
  });

  it('documents every variable the production files read in the deployment table', () => {
    const doc = fs.readFileSync(
      path.resolve(backendDir, '../../docs/deployment.md'),
      'utf8',
    );
    const documented = new Set(
      [...doc.matchAll(/^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|/gm)].map(m => m[1]),
    );
    const read = [
      ...configVariables('app-config.production.yaml').keys(),
      ...configVariables('app-config.pipeline-token.yaml').keys(),
    ];
    assert.deepEqual(
      read.filter(name => !documented.has(name)),
      [],
    );
  });
});
