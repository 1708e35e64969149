// The whole Worker is the package's Worker entry: its fetch handler (git smart
// HTTP and the REST API), its two Durable Object classes and the
// ArtifactsBinding entrypoint. Wrangler's bundler resolves 'open-artifacts/worker'
// from node_modules in your project (inside the open-artifacts repo, to the repo
// itself: a package may import itself by its own name).
export { default, ArtifactsNamespace, ArtifactsRepo, ArtifactsBinding } from 'open-artifacts/worker';
