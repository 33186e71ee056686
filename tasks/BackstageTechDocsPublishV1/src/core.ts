// What the entry loads once the inputs are read; bundled on its own as dist/core.js.
export { publishTechDocs } from '../../shared/src/techdocs';
export { createAzureCredential } from '../../shared/src/auth/azure';
