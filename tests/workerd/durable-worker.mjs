// The package's Worker entry as a user's wrangler project would deploy it.
export { default, ArtifactsBinding, ArtifactsNamespace, ArtifactsRepo } from '../../js/src/worker/index.js';
