import { CliCommand, UsageError } from './io';

// Filled in by the validation work (issue 3).
export const validateCommand: CliCommand = {
  name: ['validate'],
  summary: 'Validate catalog-info.yaml files with line-level errors',
  usage: 'Usage: stagedoor validate [paths…] [--format text|json|sarif]',
  async run() {
    throw new UsageError('validate is not available in this build yet');
  },
};
