// Runs the binding surface inside real workerd: the package's "workerd" entry
// point, wasm imported as a compiled module, no eval. Answers one JSON report.
import { createArtifacts, MemoryStorage, ArtifactsError } from '../../js/src/workerd.js';

export default {
  async fetch() {
    const report = {};
    try {
      const artifacts = createArtifacts({ storage: new MemoryStorage(), namespace: 'workers', baseUrl: 'https://example.test' });
      const created = await artifacts.create('from-worker', { description: 'made in workerd' });
      report.created = created;
      const repo = await artifacts.get('from-worker');
      report.info = await repo.info();
      report.token = await repo.createToken('read', 120);
      report.tokens = await repo.listTokens();
      report.revoked = await repo.revokeToken(report.token.id);
      report.list = await artifacts.list({ limit: 10 });
      try {
        await artifacts.create('bad name');
      } catch (e) {
        report.error = { isArtifactsError: e instanceof ArtifactsError, name: e.name, code: e.code, numericCode: e.numericCode, message: e.message };
      }
      report.deleted = await artifacts.delete('from-worker');
      repo[Symbol.dispose]();
    } catch (e) {
      report.crash = String(e?.stack ?? e);
    }
    return Response.json(report);
  },
};
