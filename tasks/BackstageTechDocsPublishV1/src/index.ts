/**
 * BackstageTechDocsPublish@1: reads the inputs and the Azure RM service
 * connection, calls the core, turns the result into the task result.
 * The core is loaded after the inputs are read, so a misconfigured step fails at once.
 */
import * as tl from 'azure-pipelines-task-lib/task';
import type { AzureRmConnection } from '../../shared/src/auth/types';
import { azureRmConnection } from '../../shared/src/pipeline/connections';
import {
  fail,
  setSecret,
  taskReporter,
  optionalBoolInput,
} from '../../shared/src/pipeline/reporter';

/** Where to publish, before any credential object exists. */
type Target =
  | { containerName: string; connectionString: string }
  | {
      containerName: string;
      accountName: string;
      connection: AzureRmConnection;
    };

function storageTarget(): Target {
  const containerName = tl.getInput('containerName', true)!.trim();
  const connectionString = tl.getInput('connectionString')?.trim();
  if (connectionString) {
    setSecret(connectionString);
    for (const part of connectionString.split(';')) {
      if (/^(AccountKey|SharedAccessSignature)=/i.test(part)) {
        setSecret(part.slice(part.indexOf('=') + 1));
      }
    }
    return { connectionString, containerName };
  }
  const endpointId = tl.getInput('azureSubscription');
  if (!endpointId) {
    throw new Error(
      'Set azureSubscription (an Azure Resource Manager service connection) and storageAccount, or connectionString for an emulator.',
    );
  }
  const accountName = tl.getInput('storageAccount')?.trim();
  if (!accountName) {
    throw new Error(
      'storageAccount is required with azureSubscription: the name of the storage account (e.g. contosotechdocs).',
    );
  }
  return {
    accountName,
    containerName,
    connection: azureRmConnection(endpointId),
  };
}

async function run() {
  try {
    // Unset inputs stay undefined: the core holds the defaults (techdocs/defaults.ts).
    const concurrencyInput = tl.getInput('concurrency');
    const concurrency = concurrencyInput ? Number(concurrencyInput) : undefined;
    if (
      concurrency !== undefined &&
      (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    ) {
      throw new Error(
        `concurrency must be a whole number from 1 to 64 (got '${tl.getInput('concurrency')}').`,
      );
    }
    const target = storageTarget();
    const inputs = {
      sourceDir:
        tl.getPathInput('sourceDir') ||
        tl.getVariable('Build.SourcesDirectory') ||
        process.cwd(),
      entityRef: tl.getInput('entityRef')?.trim() || undefined,
      generate: optionalBoolInput('generate'),
      siteDir: tl.getInput('siteDir') || undefined,
      omitTechdocsCorePlugin: optionalBoolInput('omitTechdocsCorePlugin'),
      copyReadmeToIndex: optionalBoolInput('copyReadmeToIndex'),
      installMkdocs: optionalBoolInput('installMkdocs'),
      techdocsCoreVersion: tl.getInput('techdocsCoreVersion') || undefined,
      defaultPlugins: tl
        .getDelimitedInput('defaultPlugins', ',')
        .map(p => p.trim())
        .filter(Boolean),
      legacyCaseSensitive: optionalBoolInput('legacyCaseSensitive'),
      concurrency,
      dryRun: optionalBoolInput('dryRun'),
      etag: tl.getVariable('Build.SourceVersion'),
      workDir: tl.getVariable('Agent.TempDirectory'),
    };
    const { publishTechDocs, createAzureCredential } = await import(
      './core.js'
    );
    const storage =
      'connection' in target
        ? {
            accountName: target.accountName,
            containerName: target.containerName,
            credential: createAzureCredential(target.connection),
          }
        : target;
    const result = await publishTechDocs({
      ...inputs,
      storage,
      reporter: taskReporter,
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
    fail(error);
  }
}

void run();
