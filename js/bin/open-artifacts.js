#!/usr/bin/env node
// open-artifacts command line: `open-artifacts serve [options]` runs the local
// server (js/src/server.js) until SIGINT/SIGTERM; `open-artifacts import <url>
// <name>` imports a remote repo into the same data directory, with a progress bar.
import { parseArgs } from 'node:util';
import { join, relative } from 'node:path';
import { mkdirSync } from 'node:fs';
import { startServer, ServerConfigError } from '../src/server.js';
import { createArtifacts, SqliteStorage } from '../src/node.js';
import { SQLITE_FILE_NAME } from '../src/sqlite-storage.js';
import { progressBar } from './progress-bar.js';

const USAGE = `Usage: open-artifacts serve [options]
       open-artifacts import <url> <name> [--branch <b>] [--depth <n>] [options]

serve:  runs a local Artifacts server: git smart HTTP at /git/<namespace>/<repo>.git
        and the REST API at /client/v4/accounts/<account>/artifacts,
        stored in one SQLite file,
        and the browser demo at /demo/ (a checkout's examples/browser).
import: imports the git repo at <url> as repo <name> into the data directory
        (as the binding's import(); a running server sees it at once).

Options:
  --port <n>          port to listen on (default 8788; 0 picks a free one)
  --host <addr>       address to listen on (default 127.0.0.1); any other than
                      loopback needs an API token
  --data <dir>        data directory, holds artifacts.sqlite (default ./.artifacts)
  --namespace <name>  the namespace served (default "default")
  --public-host <name[:port]>
                      serve: also answer requests for this Host (repeatable; without
                      a port, any port). Others get 421 (DNS-rebinding guard)
  --api-token <t>     serve: the REST API requires "Authorization: Bearer <t>"
                      (at least 16 characters; env OPEN_ARTIFACTS_API_TOKEN, which
                      keeps it out of the process list)
  --max-git-sessions <n>
                      serve: git requests in flight at most (default 32); past it
                      503 with Retry-After
  --allow-http-import let imports read plain http:// remotes (default: HTTPS only)
  --allow-private-import
                      let imports reach loopback, private, link-local and metadata
                      addresses (default: refused with INVALID_URL)
  --branch <b>        import: only this branch (default: every branch and tag)
  --depth <n>         import: a shallow import of the last <n> commits
  --base-url <url>    import: the server address remotes are printed with
                      (default http://127.0.0.1:8788)
  -h, --help          show this help
`;

function fail(message) {
  process.stderr.write(`open-artifacts: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '8788' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string', default: './.artifacts' },
      namespace: { type: 'string', default: 'default' },
      'allow-http-import': { type: 'boolean', default: false },
      'allow-private-import': { type: 'boolean', default: false },
      'public-host': { type: 'string', multiple: true, default: [] },
      'api-token': { type: 'string' },
      'max-git-sessions': { type: 'string', default: '32' },
      branch: { type: 'string' },
      depth: { type: 'string' },
      'base-url': { type: 'string', default: 'http://127.0.0.1:8788' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
} catch (e) {
  fail(e.message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if (positionals[0] === 'import') {
  if (positionals.length !== 3) fail('import takes <url> <name>');
  process.exit(await runImport(positionals[1], positionals[2]));
}
if (positionals.length !== 1 || positionals[0] !== 'serve') fail(positionals.length ? `unknown command: ${positionals.join(' ')}` : 'missing command');
if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) fail(`--port must be a number from 0 to 65535, got "${values.port}"`);
if (!/^\d+$/.test(values['max-git-sessions']) || Number(values['max-git-sessions']) < 1) {
  fail(`--max-git-sessions must be a positive number, got "${values['max-git-sessions']}"`);
}
const apiToken = values['api-token'] ?? process.env.OPEN_ARTIFACTS_API_TOKEN;

let server;
try {
  server = await startServer({
    port: Number(values.port),
    host: values.host,
    dataDir: values.data,
    namespace: values.namespace,
    allowHttpImport: values['allow-http-import'],
    allowPrivateImport: values['allow-private-import'],
    publicHosts: values['public-host'],
    apiToken,
    maxGitSessions: Number(values['max-git-sessions']),
    log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
  });
} catch (e) {
  if (e instanceof ServerConfigError) console.error(`open-artifacts: could not start: ${e.message}`);
  else console.error(`open-artifacts: could not start: ${e.code && e.message ? `${e.code}: ${e.message}` : e?.stack ?? e}`);
  process.exit(1);
}

const { url, namespace } = server;
const remote = await server.remoteUrl('my-repo');
const repos = `${server.restUrl}/namespaces/${namespace}/repos`;
const rel = relative(process.cwd(), server.dbPath);
const dataFile = rel && !rel.startsWith('..') ? rel : server.dbPath;
console.log(`open-artifacts listening on ${url}  (namespace "${namespace}", data ${dataFile})${
  server.demoUrl ? `\nBrowser demo: ${server.demoUrl}  (the whole service running in the page, in memory)` : ''
}

Create a repo (the reply's result.token is a 24 h write token) and clone it:

  TOKEN=$(curl -s -X POST ${repos} -H 'Content-Type: application/json' \\${
    apiToken ? `\n      -H "Authorization: Bearer $OPEN_ARTIFACTS_API_TOKEN" \\` : ''
  }
      -d '{"name":"my-repo"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).result.token')
  git clone -c http.extraHeader="Authorization: Bearer $TOKEN" ${remote}

More (REST API at ${server.restUrl}): GET namespaces/${namespace}/repos, GET|DELETE namespaces/${namespace}/repos/<name>,
POST namespaces/${namespace}/tokens {"repo":"my-repo","scope":"read","ttl":3600}
Ctrl-C to stop.`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) {
      console.log('open-artifacts: stopping now');
      process.exit(1);
    }
    stopping = true;
    console.log(`\nopen-artifacts: ${signal}, finishing requests in flight and closing the database`);
    server.close().then(() => process.exit(0));
  });
}

// `open-artifacts import`: the core checks every argument; errors print as
// "CODE: message" with exit status 1.
async function runImport(url, name) {
  mkdirSync(values.data, { recursive: true });
  const storage = new SqliteStorage(join(values.data, SQLITE_FILE_NAME));
  const artifacts = createArtifacts({
    storage,
    namespace: values.namespace,
    baseUrl: values['base-url'],
    allowHttpImport: values['allow-http-import'],
    allowPrivateImport: values['allow-private-import'],
  });
  const source = { url };
  if (values.branch !== undefined) source.branch = values.branch;
  if (values.depth !== undefined) source.depth = /^\d+$/.test(values.depth) ? Number(values.depth) : values.depth;
  const bar = progressBar();
  // Ctrl-C: deleting the target removes what arrived so far (the core stops
  // an import whose target is gone). Only a repo still importing is deleted:
  // never an existing one the import would have refused.
  process.once('SIGINT', () => {
    bar.end();
    artifacts
      .get(name)
      .then(
        () => console.error('open-artifacts: interrupted'),
        (e) => {
          if (e?.code !== 'IMPORT_IN_PROGRESS') return console.error('open-artifacts: interrupted');
          console.error('open-artifacts: interrupted, removing the partial import');
          return artifacts.delete(name);
        },
      )
      .finally(() => process.exit(130));
  });
  try {
    const result = await artifacts.import({ source, target: { name } }, { onProgress: (p) => bar.update(p) });
    bar.end();
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } catch (e) {
    bar.end();
    console.error(`open-artifacts: import failed: ${e.code ? `${e.code}: ${e.message}` : e?.stack ?? e}`);
    return 1;
  } finally {
    storage.close();
  }
}
