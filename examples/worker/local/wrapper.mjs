// The host side for running ../src/index.ts UNCHANGED in workerd against
// open-artifacts (run.mjs compiles it to ../src/index.js inside workerd's module
// list). This Worker creates the namespace object and hands it to the example as
// env.ARTIFACTS; requests under /git/ go to the git smart-HTTP server instead
// (on Cloudflare the remote lives on its own host), so the remotes the example
// returns work with any git client. Storage is in memory, for the isolate's life.
import example from '../src/index.js';
import { createArtifacts, MemoryStorage } from '../../../js/src/workerd.js'; // in your project: 'open-artifacts'

let artifacts;

export default {
  async fetch(request, env, ctx) {
    artifacts ??= createArtifacts({ storage: new MemoryStorage(), namespace: 'default', baseUrl: env.BASE_URL });
    if (new URL(request.url).pathname.startsWith('/git/')) return artifacts.fetch(request);
    return example.fetch(request, { ...env, ARTIFACTS: artifacts }, ctx);
  },
};
