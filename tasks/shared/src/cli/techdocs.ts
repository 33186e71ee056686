import { DefaultAzureCredential } from '@azure/identity';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { StorageTarget, publishTechDocs } from '../techdocs';
import { CliCommand, UsageError, textReporter } from './io';
import { TECHDOCS_DEFAULTS } from '../techdocs/defaults';

const USAGE = `Usage: stagedoor techdocs publish --container <name> (--storage-account <name> | --connection-string <…>) [options]

Builds the repository's TechDocs with MkDocs (as TechDocs does) and publishes them to
Azure Blob Storage, uploading only the files that changed and deleting those that are gone.

Options:
  --source-dir <dir>            Repository folder (default: the current directory)
  --entity <ns/kind/name>       Only this entity (default: every entity with a dir: techdocs-ref)
  --container <name>            Container the techdocs backend reads
  --storage-account <name>      Storage account; signs in with DefaultAzureCredential (az login,
                                environment, managed identity): needs Storage Blob Data Contributor
  --connection-string <cs>      Emulators and legacy setups (env STAGEDOOR_STORAGE_CONNECTION_STRING)
  --no-generate                 Publish an already built site (--site-dir, default ./site)
  --site-dir <dir>              The built site, or where to keep the one built
  --omit-techdocs-core-plugin   Do not add the techdocs-core plugin to mkdocs.yml
  --copy-readme                 Copy README.md to docs/index.md when the docs have no index
  --install-mkdocs              Install a pinned mkdocs-techdocs-core into a virtual environment
  --legacy-case-sensitive       Keep the entity triplet's case (legacyUseCaseSensitiveTripletPaths)
  --concurrency <n>             Uploads in flight (default ${TECHDOCS_DEFAULTS.concurrency})
  --etag <value>                Stored as etag in techdocs_metadata.json (e.g. the commit id)
  --dry-run                     Build and compare; upload and delete nothing
  --format text|json            json prints files uploaded, skipped, deleted and bytes sent
  --verbose                     Show MkDocs output and every file
Exit codes: 0 published (or nothing to publish); 1 failed; 2 bad usage.
`;

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      strict: true,
      options: {
        'source-dir': { type: 'string' },
        entity: { type: 'string' },
        container: { type: 'string' },
        'storage-account': { type: 'string' },
        'connection-string': { type: 'string' },
        'no-generate': { type: 'boolean' },
        'site-dir': { type: 'string' },
        'omit-techdocs-core-plugin': { type: 'boolean' },
        'copy-readme': { type: 'boolean' },
        'install-mkdocs': { type: 'boolean' },
        'legacy-case-sensitive': { type: 'boolean' },
        concurrency: { type: 'string' },
        etag: { type: 'string' },
        'dry-run': { type: 'boolean' },
        format: { type: 'string' },
        verbose: { type: 'boolean' },
      },
    }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** `stagedoor techdocs publish`: the task's core outside pipelines. */
export const techdocsPublishCommand: CliCommand = {
  name: ['techdocs', 'publish'],
  usage: USAGE,
  async run(args, io) {
    const flags = parse(args);
    const format = flags.format ?? 'text';
    if (format !== 'text' && format !== 'json')
      throw new UsageError(`--format must be text or json (got '${format}')`);
    if (!flags.container) throw new UsageError('--container is required');
    const connectionString =
      flags['connection-string'] ?? io.env.STAGEDOOR_STORAGE_CONNECTION_STRING;
    if (flags['storage-account'] && flags['connection-string']) {
      throw new UsageError(
        'give either --storage-account or --connection-string, not both',
      );
    }
    const concurrency = Number(
      flags.concurrency ?? TECHDOCS_DEFAULTS.concurrency,
    );
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new UsageError(
        `--concurrency must be a whole number from 1 to 64 (got '${flags.concurrency}')`,
      );
    }
    const reporter = textReporter(io, { verbose: flags.verbose });
    let storage: StorageTarget;
    if (flags['storage-account']) {
      storage = {
        accountName: flags['storage-account'],
        containerName: flags.container,
        credential: new DefaultAzureCredential(),
      };
    } else if (connectionString) {
      for (const part of connectionString.split(';')) {
        if (/^(AccountKey|SharedAccessSignature)=/i.test(part))
          reporter.secret(part.slice(part.indexOf('=') + 1));
      }
      storage = { connectionString, containerName: flags.container };
    } else {
      throw new UsageError(
        '--storage-account or --connection-string (or STAGEDOOR_STORAGE_CONNECTION_STRING) is required',
      );
    }
    try {
      const result = await publishTechDocs({
        sourceDir: resolve(io.cwd, flags['source-dir'] ?? '.'),
        entityRef: flags.entity,
        storage,
        generate: !flags['no-generate'],
        siteDir: flags['site-dir']
          ? resolve(io.cwd, flags['site-dir'])
          : undefined,
        omitTechdocsCorePlugin: flags['omit-techdocs-core-plugin'],
        copyReadmeToIndex: flags['copy-readme'],
        installMkdocs: flags['install-mkdocs'],
        legacyCaseSensitive: flags['legacy-case-sensitive'],
        concurrency,
        dryRun: flags['dry-run'],
        etag: flags.etag,
        reporter,
      });
      if (format === 'json') {
        io.stdout(
          `${JSON.stringify(
            {
              uploaded: result.uploaded,
              skipped: result.skipped,
              deleted: result.deleted,
              bytes: result.bytes,
              sites: result.sites,
            },
            null,
            2,
          )}\n`,
        );
      }
      return 0;
    } catch (error) {
      reporter.error(error instanceof Error ? error.message : String(error));
      return 1;
    }
  },
};
