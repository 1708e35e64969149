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
      // fork (steps yield through setTimeout here: workerd has no setImmediate).
      report.forked = await repo.fork('forked', { description: 'fork in workerd' });
      report.forkInfo = await (await artifacts.get('forked')).info();
      // import, with this Worker's fetch routed to a second in-memory server: the
      // whole sans-IO client loop (requests out, streamed responses in) in workerd.
      const source = createArtifacts({ storage: new MemoryStorage(), namespace: 'upstream', baseUrl: 'https://source.test' });
      const upstream = await source.create('upstream-repo', { setDefaultBranch: 'trunk' });
      const importer = createArtifacts({
        storage: new MemoryStorage(),
        namespace: 'workers',
        baseUrl: 'https://example.test',
        fetch: (request) => {
          const authed = new Request(request);
          authed.headers.set('Authorization', `Bearer ${upstream.token}`);
          return source.fetch(authed);
        },
      });
      const progress = [];
      report.imported = await importer.import(
        { source: { url: upstream.remote }, target: { name: 'imported' } },
        { onProgress: (p) => progress.push(p.phase) },
      );
      report.importProgress = progress;
      report.importedInfo = await (await importer.get('imported')).info();
      try {
        await importer.import({ source: { url: 'http://plain.test/r.git' }, target: { name: 'plain' } });
      } catch (e) {
        report.httpImportError = e.code;
      }
      report.deleted = await artifacts.delete('from-worker');
      repo[Symbol.dispose]();
    } catch (e) {
      report.crash = String(e?.stack ?? e);
    }
    return Response.json(report);
  },
};
