/**
 * BackstageTechDocsPublish@1: reads the inputs and the Azure RM service
 * connection, calls the core, turns the result into the task result.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import type { AzureRmConnection } from '../../shared/src/auth/types';
import { createAzureCredential } from '../../shared/src/auth/azure';
import type { Reporter } from '../../shared/src/reporter';
import { StorageTarget, publishTechDocs } from '../../shared/src/techdocs';

const reporter: Reporter = {
  info: m => console.log(m),
  warn: m => tl.warning(m),
  error: m => tl.error(m),
  problem: p =>
    tl.logIssue(tl.IssueType.Error, p.message, p.file, p.line, p.column),
  debug: m => tl.debug(m),
  secret: v => tl.setSecret(v),
};

function azureRmConnection(id: string): AzureRmConnection {
  const scheme = tl.getEndpointAuthorizationScheme(
    id,
    false,
  ) as AzureRmConnection['scheme'];
  const param = (name: string) =>
    tl.getEndpointAuthorizationParameter(id, name, true) || undefined;
  const cert = param('servicePrincipalCertificate');
  return {
    id,
    scheme,
    tenantId: param('tenantid'),
    clientId: param('serviceprincipalid'),
    clientSecret:
      param('authenticationType') === 'spnCertificate'
        ? undefined
        : param('serviceprincipalkey'),
    clientCertificate: cert,
    authorityHost:
      tl.getEndpointDataParameter(id, 'environmentAuthorityUrl', true) ||
      undefined,
    oidcRequestUri: tl.getVariable('System.OidcRequestUri'),
    systemAccessToken:
      tl.getVariable('System.AccessToken') ||
      tl.getEndpointAuthorizationParameter(
        'SYSTEMVSSCONNECTION',
        'AccessToken',
        true,
      ),
  };
}

function storageTarget(): StorageTarget {
  const containerName = tl.getInput('containerName', true)!.trim();
  const connectionString = tl.getInput('connectionString')?.trim();
  const endpointId = tl.getInput('azureSubscription');
  if (connectionString) {
    tl.setSecret(connectionString);
    for (const part of connectionString.split(';'))
      if (/^(AccountKey|SharedAccessSignature)=/i.test(part))
        tl.setSecret(part.slice(part.indexOf('=') + 1));
    return { connectionString, containerName };
  }
  if (!endpointId)
    throw new Error(
      'Set azureSubscription (an Azure Resource Manager service connection) and storageAccount, or connectionString for an emulator.',
    );
  const accountName = tl.getInput('storageAccount')?.trim();
  if (!accountName)
    throw new Error(
      'storageAccount is required with azureSubscription: the name of the storage account (e.g. contosotechdocs).',
    );
  return {
    accountName,
    containerName,
    credential: createAzureCredential(azureRmConnection(endpointId)),
  };
}

async function run() {
  try {
    const concurrency = Number(tl.getInput('concurrency') || '16');
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
      throw new Error(
        `concurrency must be a whole number from 1 to 64 (got '${tl.getInput('concurrency')}').`,
      );
    const result = await publishTechDocs({
      sourceDir:
        tl.getPathInput('sourceDir') ||
        tl.getVariable('Build.SourcesDirectory') ||
        process.cwd(),
      entityRef: tl.getInput('entityRef')?.trim() || undefined,
      storage: storageTarget(),
      generate: tl.getInput('generate') ? tl.getBoolInput('generate') : true,
      siteDir: tl.getInput('siteDir') || undefined,
      omitTechdocsCorePlugin: tl.getBoolInput('omitTechdocsCorePlugin'),
      copyReadmeToIndex: tl.getBoolInput('copyReadmeToIndex'),
      installMkdocs: tl.getBoolInput('installMkdocs'),
      techdocsCoreVersion: tl.getInput('techdocsCoreVersion') || undefined,
      defaultPlugins: tl
        .getDelimitedInput('defaultPlugins', ',')
        .map(p => p.trim())
        .filter(Boolean),
      legacyCaseSensitive: tl.getBoolInput('legacyCaseSensitive'),
      concurrency,
      dryRun: tl.getBoolInput('dryRun'),
      etag: tl.getVariable('Build.SourceVersion'),
      workDir: tl.getVariable('Agent.TempDirectory'),
      reporter,
    });
    tl.setVariable('filesUploaded', String(result.uploaded), false, true);
    tl.setVariable('filesDeleted', String(result.deleted), false, true);
    tl.setVariable('bytesUploaded', String(result.bytes), false, true);
    tl.setResult(
      tl.TaskResult.Succeeded,
      result.sites.length
        ? `Published TechDocs of ${result.sites.length} entit${result.sites.length === 1 ? 'y' : 'ies'}`
        : 'No TechDocs in this repository',
    );
  } catch (error) {
    tl.setResult(
      tl.TaskResult.Failed,
      error instanceof Error ? error.message : String(error),
    );
  }
}

void run();
