// Copied into a fresh project that installed the packed tarball
// (tests/js/npm_pack.test.mjs) and run there with plain `node`: everything it
// uses comes from `import 'open-artifacts'` as a user gets it. It serves
// createArtifacts() over node:http (as the README's `artifacts.fetch`), pushes
// a commit with the real git CLI, clones it back and fscks the clone, then
// prints one JSON report on stdout.
//
//   node node-smoke.mjs '{"storage":"sqlite"|"memory"|"none"}'
// "none" only probes `new SqliteStorage()` (the report's sqliteProbe).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import * as oa from 'open-artifacts';

const { storage: storageKind } = JSON.parse(process.argv[2] ?? '{}');
const report = { exports: Object.keys(oa).sort() };
const dir = mkdtempSync(join(tmpdir(), 'oa-pack-node-'));

// SqliteStorage either opens, or throws the error that says what to install.
function probeSqlite() {
  try {
    oa.SqliteStorage ? new oa.SqliteStorage(join(dir, 'probe/')).close() : null;
    return { ok: oa.SqliteStorage !== undefined };
  } catch (e) {
    return { ok: false, name: e.name, code: e.code, message: e.message };
  }
}

// A git client in its own environment: no user or system config, no prompts.
const execFileAsync = promisify(execFile);
const git = async (args, cwd = dir) =>
  (await execFileAsync('git', ['-c', 'user.name=Pack Smoke', '-c', 'user.email=pack@example.test', '-c', 'init.defaultBranch=main', ...args], {
    cwd,
    timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
  })).stdout;

// node:http in front of artifacts.fetch (a Workers-style fetch handler).
function serve(handler) {
  const server = createServer(async (req, res) => {
    try {
      const init = { method: req.method, headers: req.headers };
      if (req.method !== 'GET' && req.method !== 'HEAD') Object.assign(init, { body: Readable.toWeb(req), duplex: 'half' });
      const response = await handler(new Request(`http://${req.headers.host}${req.url}`, init));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) await pipeline(Readable.fromWeb(response.body), res);
      else res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(e?.stack ?? e));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function gitRoundTrip() {
  const storage = storageKind === 'sqlite' ? new oa.SqliteStorage(join(dir, 'data/')) : new oa.MemoryStorage();
  let artifacts;
  const server = await serve((request) => artifacts.fetch(request));
  try {
    const baseUrl = `http://127.0.0.1:${server.address().port}`;
    artifacts = oa.createArtifacts({ storage, namespace: 'default', baseUrl });
    const created = await artifacts.create('smoke', { description: 'from the packed package' });
    report.remote = created.remote;
    const auth = ['-c', `http.extraHeader=Authorization: Bearer ${created.token}`];

    const work = join(dir, 'work');
    mkdirSync(work);
    await git(['init', '-q'], work);
    writeFileSync(join(work, 'README.md'), '# packed\n');
    await git(['add', 'README.md'], work);
    await git(['commit', '-q', '-m', 'first'], work);
    const pushed = (await git(['rev-parse', 'HEAD'], work)).trim();
    await git([...auth, 'push', '-q', created.remote, 'main'], work);

    const clone = join(dir, 'clone');
    await git([...auth, 'clone', '-q', created.remote, clone]);
    await git(['fsck', '--strict', '--no-dangling'], clone);
    const repo = await artifacts.get('smoke');
    report.git = {
      pushed,
      cloned: (await git(['rev-parse', 'HEAD'], clone)).trim(),
      readme: readFileSync(join(clone, 'README.md'), 'utf8'),
      log: (await repo.log({ ref: 'main', limit: 5 })).map((c) => c.hash),
      description: (await repo.info()).description,
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    storage.close?.();
  }
}

try {
  report.sqliteProbe = probeSqlite();
  if (storageKind !== 'none') await gitRoundTrip();
} catch (e) {
  report.crash = String(e?.stack ?? e);
  if (e?.stderr) report.crash += `\n${e.stderr}`;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(report)}\n`);
