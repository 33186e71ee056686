// An adopter's backend as `@backstage/create-app` writes one (packages/backend/src/index.ts),
// in plain JavaScript: nothing here comes from the Stagedoor repository but the two modules,
// installed from their packed tarballs, added with the README's `backend.add(import(…))` lines.
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@stagedoor/plugin-catalog-backend-module-push'));
backend.add(import('@stagedoor/plugin-scaffolder-backend-module-azure-devops'));
// Exit when start-up fails, so that the orchestrator restarts the process.
backend.start().catch(error => {
  console.error('Backend startup failed', error);
  process.exit(1);
});
