// Copied into a fresh project that installed the packed tarball
// (tests/js/npm_pack.test.mjs), bundled there by esbuild with the "workerd"
// export condition and run in real workerd: a SQLite-backed Durable Object
// keeps a namespace in DurableObjectSqliteStorage, all from
// `import 'open-artifacts'` as a user's Worker gets it.
//   POST /create  creates repo "smoke" and commits a file
//   GET /read     reads it back: { info, log, readme }
//   /git/...      the git smart HTTP handler (artifacts.fetch)
import { DurableObject } from 'cloudflare:workers';
import { createArtifacts, DurableObjectSqliteStorage } from 'open-artifacts';

export class PackSmokeObject extends DurableObject {
  #artifacts;

  #get(baseUrl) {
    this.#artifacts ??= createArtifacts({ storage: new DurableObjectSqliteStorage(this.ctx.storage), namespace: 'default', baseUrl });
    return this.#artifacts;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const artifacts = this.#get(url.origin);
    try {
      if (url.pathname === '/create' && request.method === 'POST') {
        const created = await artifacts.create('smoke', { description: 'made in workerd from the packed package' });
        const repo = await artifacts.get('smoke');
        const commit = await repo.commit({ message: 'first', files: [{ path: 'README.md', content: '# packed, in workerd\n' }] });
        return Response.json({ created, commit });
      }
      if (url.pathname === '/read') {
        const repo = await artifacts.get('smoke');
        const readme = await repo.readFile({ ref: 'main', path: 'README.md' });
        return Response.json({
          info: await repo.info(),
          log: await repo.log({ ref: 'main' }),
          readme: readme && (await readme.text()),
          list: (await artifacts.list()).repos.map((r) => r.name),
        });
      }
      return artifacts.fetch(request);
    } catch (e) {
      return Response.json({ crash: String(e?.stack ?? e), code: e?.code }, { status: 500 });
    }
  }
}

export default {
  fetch: (request, env) => env.SMOKE.getByName('default').fetch(request),
};
