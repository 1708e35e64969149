// The same page bundled with esbuild (README "Browser demo"; tests/js/browser_demo.test.mjs
// builds it): the package through its `browser` export, its wasm through the
// `open-artifacts/core.wasm` export with esbuild's file loader (esbuild copies
// the file and hands back its URL), and isomorphic-git's ES module build.
import './buffer-global.js'; // first: isomorphic-git's ES build expects Node's Buffer
import git from 'isomorphic-git';
import * as openArtifacts from 'open-artifacts';
import wasmUrl from 'open-artifacts/core.wasm';
import { startDemo } from './app.js';

await startDemo({ openArtifacts, git, wasmUrl });
