// Copied into a fresh project that installed the packed tarball
// (tests/js/npm_pack.test.mjs): a user's Worker that deploys the package's
// Worker entry as it is, all from `import 'open-artifacts/worker'`.
export { default, ArtifactsBinding, ArtifactsNamespace, ArtifactsRepo } from 'open-artifacts/worker';
