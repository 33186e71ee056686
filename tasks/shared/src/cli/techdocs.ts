import { CliCommand, UsageError } from './io';

// Filled in by the TechDocs work (issue 6).
export const techdocsPublishCommand: CliCommand = {
  name: ['techdocs', 'publish'],
  summary: 'Build the docs with MkDocs and publish them to Azure Blob Storage, incrementally',
  usage: 'Usage: stagedoor techdocs publish --container <name> (--storage-account <name> | --connection-string <…>)',
  async run() {
    throw new UsageError('techdocs publish is not available in this build yet');
  },
};
