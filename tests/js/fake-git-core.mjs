// A stand-in for the core's git server, for testing the JS plumbing around it
// (artifacts.fetch streaming, the Node server, git-harness.mjs) with real git
// clients before and independently of the C++ implementation. It wraps the
// real wasm core and adds Namespace.openGit per the binding contract
// (write/finish/read/delete), answering with `git http-backend` (CGI) over bare
// repos in a temp dir. Its auth is a placeholder (any Bearer, or Basic with a
// password): the real core checks tokens.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const READ_CHUNK = 16 * 1024; // several read() calls per response

// realLoadCore: the package's loadCore; reposDir: where bare repos live.
// Returns { loadCore, stats } where stats counts sessions and records each request.
export function fakeGitCore(realLoadCore, reposDir) {
  const stats = { opened: 0, deleted: 0, reads: 0, requests: [] };
  let core;

  function openSession(realNs, namespace, requestJson) {
    const request = JSON.parse(requestJson);
    stats.opened++;
    stats.requests.push(request);
    const chunks = [];
    let body = null;
    let offset = 0;
    let deleted = false;
    const alive = () => {
      if (deleted) throw new Error('session used after delete()');
    };

    function respond() {
      const m = /^\/git\/([^/]+)\/([^/]+)\.git(\/.*)$/.exec(request.path);
      if (!m || m[1] !== namespace) return text(404, 'not found');
      try {
        realNs.call('get', JSON.stringify([decodeURIComponent(m[2])]));
      } catch {
        return text(404, 'not found');
      }
      const auth = request.headers.authorization ?? '';
      const basicPassword = /^Basic /i.test(auth) ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[1] : '';
      if (!/^Bearer \S/.test(auth) && !basicPassword) {
        return { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="open-artifacts"', 'Content-Type': 'text/plain' }, body: Buffer.from('auth\n') };
      }
      const bare = join(reposDir, m[1], `${m[2]}.git`);
      if (!existsSync(bare)) {
        mkdirSync(bare, { recursive: true });
        execFileSync('git', ['init', '-q', '--bare', '-b', 'main', bare]);
      }
      const input = Buffer.concat(chunks);
      const r = spawnSync('git', ['http-backend'], {
        input,
        maxBuffer: 1 << 30,
        env: {
          PATH: process.env.PATH,
          HOME: reposDir,
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_PROJECT_ROOT: reposDir,
          GIT_HTTP_EXPORT_ALL: '1',
          REMOTE_USER: 'token', // enables receive-pack
          REMOTE_ADDR: '127.0.0.1',
          REQUEST_METHOD: request.method,
          PATH_INFO: `/${m[1]}/${m[2]}.git${m[3]}`,
          QUERY_STRING: request.query.replace(/^\?/, ''),
          CONTENT_TYPE: request.headers['content-type'] ?? '',
          CONTENT_LENGTH: String(input.length),
          ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] } : {}),
          ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: request.headers['git-protocol'] } : {}),
        },
      });
      const out = r.stdout;
      let end = out.indexOf('\r\n\r\n');
      let sep = 4;
      if (end < 0) [end, sep] = [out.indexOf('\n\n'), 2];
      const headers = {};
      let status = 200;
      for (const line of out.subarray(0, end).toString().split(/\r?\n/)) {
        const i = line.indexOf(':');
        const name = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else headers[name] = value;
      }
      return { status, headers, body: out.subarray(end + sep) };
    }

    return {
      write(chunk) {
        alive();
        if (!(chunk instanceof Uint8Array)) throw new TypeError('write() takes a Uint8Array');
        chunks.push(Buffer.from(chunk));
        return true; // nothing left pending
      },
      pump() {
        alive();
        return true;
      },
      finish() {
        alive();
        const r = respond();
        body = r.body;
        return JSON.stringify({ status: r.status, headers: r.headers });
      },
      read() {
        alive();
        stats.reads++;
        if (offset >= body.length) return null;
        const chunk = new Uint8Array(body.subarray(offset, offset + READ_CHUNK));
        offset += chunk.length;
        return chunk;
      },
      delete() {
        alive();
        deleted = true;
        stats.deleted++;
      },
    };
  }

  const text = (status, message) => ({ status, headers: { 'Content-Type': 'text/plain' }, body: Buffer.from(`${message}\n`) });

  async function loadCore() {
    if (core) return core;
    const real = await realLoadCore();
    // `new Namespace(...)` gives the real embind object with openGit added.
    function Namespace(...args) {
      const ns = new real.Namespace(...args);
      const namespace = args[2];
      ns.openGit = (requestJson) => openSession(ns, namespace, requestJson);
      return ns;
    }
    Namespace.prototype.openGit = function openGit() {};
    core = { ...real, Namespace };
    return core;
  }

  return { loadCore, stats };
}
