// A user's Worker that calls open-artifacts through a service binding to the
// Worker entry's ArtifactsBinding entrypoint (env.ARTIFACTS: props.namespace
// "bound"; env.ARTIFACTS_DEFAULT: no props). tests/js/workerd_binding.test.mjs
// drives it over HTTP:
//
//   POST /call {binding?, repo?, method, args}
//     env[binding][method](...args), or with `repo`:
//     (await env[binding].get(repo))[method](...args); the handle is disposed.
//     Answers { ok: <value> } or { error: <the error as it arrived> }.
//   POST /scenario/<name> {...}: what needs more than one call in this isolate
//     (the handle itself, pipelining, dispose, a handle that outlives its repo).
//
// Values cross HTTP as JSON with tags: {$undefined}, {$bytes: base64},
// {$blob: {type, size, base64}}, {$date}, {$stub: typeof}, and objects that
// are not plain carry {$ctor}. Args use the same tags.

import { decode, settle } from './rpc-values.mjs';

const scenarios = {
  // What get() hands back: an RPC stub, with no metadata properties and a
  // pipelined call; unusable once disposed.
  async handle(env, { binding = 'ARTIFACTS', repo: name }) {
    const artifacts = env[binding];
    const repo = await artifacts.get(name);
    const report = {
      typeofHandle: typeof repo,
      handleCtor: repo?.constructor?.name,
      typeofRemote: typeof repo.remote,
      typeofInfo: typeof repo.info,
      hasDispose: typeof repo[Symbol.dispose] === 'function',
    };
    report.info = await settle(() => repo.info());
    report.pipelined = await settle(() => artifacts.get(name).info());
    repo[Symbol.dispose]();
    report.afterDispose = await settle(() => repo.info());
    // `using` releases the handle at the end of the block.
    let escaped;
    {
      using scoped = await artifacts.get(name);
      escaped = scoped;
      report.usingInfo = await settle(() => scoped.info());
    }
    report.afterUsing = await settle(() => escaped.info());
    return report;
  },
  // A handle taken before its repo is deleted.
  async deletedHandle(env, { binding = 'ARTIFACTS', repo: name }) {
    const artifacts = env[binding];
    using repo = await artifacts.get(name);
    const before = await settle(() => repo.info());
    const deleted = await settle(() => artifacts.delete(name));
    const info = await settle(() => repo.info());
    const token = await settle(() => repo.createToken('read', 60));
    const log = await settle(() => repo.log());
    return { before, deleted, info, token, log };
  },
  // fork() while other calls look at the fork: what each saw, then the fork
  // once fork() resolved.
  async forkWatch(env, { binding = 'ARTIFACTS', repo: name, fork, opts }) {
    const artifacts = env[binding];
    using repo = await artifacts.get(name);
    let done = false;
    const forking = settle(() => repo.fork(fork, opts)).finally(() => (done = true));
    const seen = [];
    while (!done && seen.length < 200) {
      const r = await settle(() => artifacts.get(fork).info());
      seen.push(r.ok ? 'ready' : r.error.code);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const result = await forking;
    const after = await settle(() => artifacts.get(fork).info());
    const listed = await settle(() => artifacts.list({ limit: 200 }));
    return { result, seen: [...new Set(seen)], after, listed };
  },
};

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (request.method !== 'POST') return new Response('binding client', { status: 200 });
    const body = await request.json();
    if (pathname === '/call') {
      const { binding = 'ARTIFACTS', repo, method } = body;
      const args = decode(body.args ?? []);
      return Response.json(
        await settle(async () => {
          const artifacts = env[binding];
          if (repo === undefined) return artifacts[method](...args);
          using handle = await artifacts.get(repo);
          return await handle[method](...args);
        }),
      );
    }
    const scenario = /^\/scenario\/(\w+)$/.exec(pathname);
    if (scenario && scenarios[scenario[1]]) return Response.json(await settle(() => scenarios[scenario[1]](env, body)));
    return new Response('not found', { status: 404 });
  },
};
