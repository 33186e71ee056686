// The shapes and annotations live in the common package, shared with the frontend.
export * from '@stagedoor/plugin-azure-cost-common';
