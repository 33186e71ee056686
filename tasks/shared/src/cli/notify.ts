import { CliCommand, UsageError } from './io';

// Filled in by the notify work (issue 5).
export const pushCommand: CliCommand = {
  name: ['push'],
  summary: "Push the repository's catalog files to Backstage and wait until they are processed",
  usage: 'Usage: stagedoor push [paths…] --url <Backstage URL> --token <token> …',
  async run() {
    throw new UsageError('push is not available in this build yet');
  },
};

export const refreshCommand: CliCommand = {
  name: ['refresh'],
  summary: "Ask Backstage to refresh the repository's entities now",
  usage: 'Usage: stagedoor refresh [paths…] --url <Backstage URL> --token <token>',
  async run() {
    throw new UsageError('refresh is not available in this build yet');
  },
};
