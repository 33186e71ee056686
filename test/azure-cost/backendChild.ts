/**
 * Runs startAzureCostBackend in a child process, so the test's self-signed
 * certificates (fake Entra ID, fake Cost Management) are trusted the way a real
 * deployment trusts its CAs: NODE_EXTRA_CA_CERTS, read only at start-up. Input: the
 * options as JSON in STAGEDOOR_TEST_AZURE_COST. Output: `{"baseUrl":…}` on stdout.
 */
import { startAzureCostBackend } from './backend';

startAzureCostBackend(
  JSON.parse(process.env.STAGEDOOR_TEST_AZURE_COST ?? '{}'),
).then(
  backend => {
    process.stdout.write(`${JSON.stringify({ baseUrl: backend.baseUrl })}\n`);
    process.on('SIGTERM', () => backend.stop().finally(() => process.exit(0)));
  },
  error => {
    process.stderr.write(`${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
