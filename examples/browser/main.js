// The page as served by `open-artifacts serve` at /demo/: plain ES modules,
// no build step. The package's real browser entry is served read-only under
// ./open-artifacts/ (it fetches its wasm next to itself); isomorphic-git comes
// as one ES module (the server bundles it from node_modules with its Buffer).
import * as openArtifacts from './open-artifacts/js/src/browser.js';
import { startDemo } from './app.js';

// Loaded alongside the core; a failure shows in the page's error banner.
const git = import('./vendor/isomorphic-git.js').then((module) => module.default);
await startDemo({ openArtifacts, git });
