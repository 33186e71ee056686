// An adopter's backend, as `@backstage/create-app` writes one, in plain JavaScript: nothing here
// comes from the Stagedoor repository but the two packages it installs from their tarballs.
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend'));
backend.add(require('@backstage/plugin-scaffolder-backend'));
backend.add(require('@stagedoor/plugin-catalog-backend-module-push'));
backend.add(
  require('@stagedoor/plugin-scaffolder-backend-module-azure-devops'),
);
backend.start().catch(error => {
  console.error('Backend failed to start', error);
  process.exit(1);
});
