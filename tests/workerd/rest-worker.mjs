// The REST API inside real workerd, as a user's Worker bundles it (esbuild,
// like wrangler): the same handler the Node server runs, over MemoryStorage.
import { createRestApi, MemoryStorage } from '../../js/src/workerd.js';

let api;

export default {
  async fetch(request) {
    api ??= createRestApi({
      storage: new MemoryStorage(),
      baseUrl: 'https://artifacts.test',
      auth: { tokens: [{ token: 'workerd-test-token-0123', permission: 'edit' }] },
    });
    return (await api).fetch(request);
  },
};
