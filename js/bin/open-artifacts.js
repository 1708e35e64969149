#!/usr/bin/env node
// open-artifacts command line (commander):
// - `serve` runs the local server (js/src/server.js) until SIGINT/SIGTERM;
// - `import <url> <name>` imports a remote repo straight into a data directory;
// - `namespaces ...` and `repos ...` are wrangler's `artifacts` commands
//   (spec §5.4, plus import, fork, log and clone-url), talking to a server's
//   REST API (spec §5) through js/src/cli/client.js.
// Exit status: 0 done, 1 the server answered with an error (or the command
// failed), 2 a usage error, 3 no Artifacts server answered at --url.
import { createRequire } from 'node:module';
import { basename, join, relative } from 'node:path';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError } from 'commander';
import { createClient, ApiError, UnreachableError } from '../src/cli/client.js';
import { table, details, formatTime, oneLine } from '../src/cli/format.js';
import { progressBar } from './progress-bar.js';

const { version } = createRequire(import.meta.url)('../../package.json');

const DEFAULT_URL = 'http://127.0.0.1:8788';
const DEFAULT_ACCOUNT = 'local';
const DEFAULT_NAMESPACE = 'default';
const EXIT_API_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_UNREACHABLE = 3;

// An empty variable (FOO= cmd) counts as unset, as for the server's API token.
const env = (name) => process.env[name] || undefined;

// A mistake in how the command was called, found after parsing (exit 2).
class UsageError extends Error {}

const wholeNumber = (value) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
};
const collect = (value, previous = []) => [...previous, value];

const program = new Command('open-artifacts');
program
  .description('An open, embeddable implementation of Cloudflare Artifacts: a local server, and the `wrangler artifacts` commands against it.')
  .version(version)
  .showHelpAfterError()
  // Every commander error (unknown command or option, bad value) is a usage
  // error: exit 2. --help and --version exit 0.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE))
  .configureOutput({ outputError: (text, write) => write(`open-artifacts: ${text.replace(/^error: /, '')}`) })
  .addHelpText('after', `
Client commands talk to a server's REST API at --url (default $OPEN_ARTIFACTS_URL or
${DEFAULT_URL}); they take --api-token, --account-id, --namespace and --json.
Exit status: 0 done, 1 the server answered with an error, 2 a usage error, 3 no server answered.`);

// ------------------------------------------------------------------ serve

program
  .command('serve')
  .description('run a local Artifacts server: git smart HTTP at /git/<namespace>/<repo>.git, the REST API at /client/v4/accounts/<account>/artifacts, the browser demo at /demo/; one SQLite file')
  .option('--port <n>', 'port to listen on (0 picks a free one)', '8788')
  .option('--host <addr>', 'address to listen on; any other than loopback needs an API token', '127.0.0.1')
  .option('--data <dir>', 'data directory, holds artifacts.sqlite', './.artifacts')
  .option('--namespace <name>', 'the default namespace', DEFAULT_NAMESPACE)
  .option('--public-host <name[:port]>', 'also answer requests for this Host (repeatable; without a port, any port). Others get 421 (DNS-rebinding guard)', collect)
  .option('--api-token <t>', 'the REST API requires "Authorization: Bearer <t>" (at least 16 characters; env OPEN_ARTIFACTS_API_TOKEN keeps it out of the process list)')
  .option('--api-read-token <t>', 'a second token that may only read through the REST API (env OPEN_ARTIFACTS_API_READ_TOKEN)')
  .option('--max-git-sessions <n>', 'git requests in flight at most; past it 503 with Retry-After', '32')
  .option('--allow-http-import', 'let imports read plain http:// remotes (default: HTTPS only)')
  .option('--allow-private-import', 'let imports reach loopback, private, link-local and metadata addresses (default: refused with INVALID_URL)')
  .option('--account-id <id>', `the account id in REST paths (default "${DEFAULT_ACCOUNT}")`)
  .option('--webhook <url>', 'POST repo events (spec §9.1) to this URL')
  .option('--webhook-secret <s>', 'sign webhook deliveries with this secret (env OPEN_ARTIFACTS_WEBHOOK_SECRET keeps it out of the process list)')
  .action(serve);

async function serve(opts, cmd) {
  if (!/^\d+$/.test(opts.port) || Number(opts.port) > 65535) cmd.error(`--port must be a number from 0 to 65535, got "${opts.port}"`);
  if (!/^\d+$/.test(opts.maxGitSessions) || Number(opts.maxGitSessions) < 1) {
    cmd.error(`--max-git-sessions must be a positive number, got "${opts.maxGitSessions}"`);
  }
  const webhookSecret = opts.webhookSecret ?? env('OPEN_ARTIFACTS_WEBHOOK_SECRET');
  if (opts.webhook !== undefined && !/^https?:$/.test(safeProtocol(opts.webhook))) {
    cmd.error(`--webhook must be an http:// or https:// URL, got "${opts.webhook}"`);
  }
  if (opts.webhookSecret !== undefined && opts.webhook === undefined) cmd.error('--webhook-secret needs --webhook <url>');
  const apiToken = opts.apiToken ?? process.env.OPEN_ARTIFACTS_API_TOKEN;

  const { startServer, ServerConfigError } = await import('../src/server.js');
  let server;
  try {
    server = await startServer({
      port: Number(opts.port),
      host: opts.host,
      dataDir: opts.data,
      namespace: opts.namespace,
      allowHttpImport: Boolean(opts.allowHttpImport),
      allowPrivateImport: Boolean(opts.allowPrivateImport),
      publicHosts: opts.publicHost ?? [],
      apiToken,
      apiReadToken: opts.apiReadToken ?? process.env.OPEN_ARTIFACTS_API_READ_TOKEN,
      maxGitSessions: Number(opts.maxGitSessions),
      accountId: opts.accountId,
      webhook: opts.webhook ? { url: opts.webhook, secret: webhookSecret } : undefined,
      log: (line) => console.log(`[${new Date().toISOString()}] ${line}`),
    });
  } catch (e) {
    if (e instanceof ServerConfigError) console.error(`open-artifacts: could not start: ${e.message}`);
    else console.error(`open-artifacts: could not start: ${e.code && e.message ? `${e.code}: ${e.message}` : e?.stack ?? e}`);
    process.exit(1);
  }
  console.log(banner(server, { apiToken, accountId: server.accountId ?? opts.accountId ?? DEFAULT_ACCOUNT }));

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
}

function safeProtocol(text) {
  try {
    return new URL(text).protocol;
  } catch {
    return '';
  }
}

// How to run this CLI again: "open-artifacts" through npm's bin link (on PATH
// with npx or a global install), else node and the script's path.
function selfCommand() {
  const script = process.argv[1] ?? '';
  if (basename(script) === 'open-artifacts') return 'open-artifacts';
  const rel = relative(process.cwd(), script);
  return `node ${rel && !rel.startsWith('..') ? rel : script}`;
}

// How to use the server just started: the CLI first, then the REST API with curl.
function banner(server, { apiToken, accountId }) {
  const cli = selfCommand();
  const { url, namespace } = server;
  const rel = relative(process.cwd(), server.dbPath);
  const dataFile = rel && !rel.startsWith('..') ? rel : server.dbPath;
  const api = server.restUrl ?? `${url}/client/v4/accounts/${encodeURIComponent(accountId)}/artifacts`;
  const remote = `${url}/git/${namespace}/my-repo.git`;
  // The CLI reads these; only the ones that differ from its defaults are shown.
  const exports = [
    url !== DEFAULT_URL && `export OPEN_ARTIFACTS_URL=${url}`,
    accountId !== DEFAULT_ACCOUNT && `export OPEN_ARTIFACTS_ACCOUNT_ID=${accountId}`,
    namespace !== DEFAULT_NAMESPACE && `export OPEN_ARTIFACTS_NAMESPACE=${namespace}`,
  ].filter(Boolean);
  const auth = apiToken ? `\n      -H "Authorization: Bearer $OPEN_ARTIFACTS_API_TOKEN" \\` : '';
  return `open-artifacts listening on ${url}  (namespace "${namespace}", account "${accountId}", data ${dataFile})${
    server.demoUrl ? `\nBrowser demo: ${server.demoUrl}  (the whole service running in the page, in memory)` : ''
  }

Create a repo and clone it with the CLI (${cli} --help lists every command${
    apiToken ? '; it reads the API token from OPEN_ARTIFACTS_API_TOKEN' : ''
  }):
${exports.map((line) => `\n  ${line}`).join('')}
  ${cli} repos create my-repo
  git clone "$(${cli} repos clone-url my-repo)"

or with the REST API (the reply's result.token is a 24 h write token):

  TOKEN=$(curl -s -X POST ${api}/namespaces/${namespace}/repos \\
      -H 'Content-Type: application/json' \\${auth}
      -d '{"name":"my-repo"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).result.token')
  git clone -c http.extraHeader="Authorization: Bearer $TOKEN" ${remote}

REST API: ${api}/namespaces/${namespace}/repos[/<name>[/fork|/import|/log]],
  POST .../namespaces/${namespace}/tokens {"repo":"my-repo","scope":"read","ttl":3600}
Ctrl-C to stop.`;
}

// ----------------------------------------------------------------- import

program
  .command('import')
  .description('import the git repo at <url> as repo <name> straight into a data directory, without a server (as the binding\'s import(); a server running on it sees the repo at once)')
  .argument('<url>', 'the remote to import (HTTPS smart HTTP)')
  .argument('<name>', 'the new repo')
  .option('--branch <b>', 'only this branch (default: every branch and tag)')
  .option('--depth <n>', 'a shallow import of the last <n> commits')
  .option('--data <dir>', 'data directory, holds artifacts.sqlite', './.artifacts')
  .option('--namespace <name>', 'the namespace', DEFAULT_NAMESPACE)
  .option('--base-url <url>', 'the server address remotes are printed with', DEFAULT_URL)
  .option('--allow-http-import', 'read plain http:// remotes (default: HTTPS only)')
  .option('--allow-private-import', 'reach loopback, private, link-local and metadata addresses')
  .action(importIntoDataDir);

// The core checks every argument; errors print as "CODE: message", exit 1.
async function importIntoDataDir(url, name, opts) {
  const { createArtifacts, SqliteStorage } = await import('../src/node.js');
  const { SQLITE_FILE_NAME } = await import('../src/sqlite-storage.js');
  mkdirSync(opts.data, { recursive: true });
  const storage = new SqliteStorage(join(opts.data, SQLITE_FILE_NAME));
  const artifacts = createArtifacts({
    storage,
    namespace: opts.namespace,
    baseUrl: opts.baseUrl,
    allowHttpImport: Boolean(opts.allowHttpImport),
    allowPrivateImport: Boolean(opts.allowPrivateImport),
  });
  const source = { url };
  if (opts.branch !== undefined) source.branch = opts.branch;
  if (opts.depth !== undefined) source.depth = /^\d+$/.test(opts.depth) ? Number(opts.depth) : opts.depth;
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
  } catch (e) {
    bar.end();
    console.error(`open-artifacts: import failed: ${e.code ? `${e.code}: ${e.message}` : e?.stack ?? e}`);
    process.exitCode = 1;
  } finally {
    storage.close();
  }
}

// ------------------------------------------------- REST client commands

// A client command: its own options, then the connection options every
// client command takes (so they work after the subcommand, as in wrangler).
const clientCommands = [];
function clientCommand(parent, nameAndArgs, description, connection = {}) {
  const cmd = parent.command(nameAndArgs).description(description);
  clientCommands.push([cmd, connection]);
  return cmd;
}

// serverFlag: `repos import` calls the server --server, its --url is the git remote.
function withConnection(cmd, { namespace = true, serverFlag = '--url' } = {}) {
  if (namespace) {
    cmd.option('--namespace <ns>', `the namespace (default: $OPEN_ARTIFACTS_NAMESPACE or "${DEFAULT_NAMESPACE}")`);
  }
  return cmd
    .option('--json', 'print the result as JSON (the "result" of the API\'s answer)')
    .optionsGroup('Connection options:')
    .option(`${serverFlag} <url>`, `the server (default: $OPEN_ARTIFACTS_URL or ${DEFAULT_URL})`)
    .option('--api-token <token>', 'sent as "Authorization: Bearer <token>" (default: $OPEN_ARTIFACTS_API_TOKEN)')
    .option('--account-id <id>', `the account in REST paths (default: $OPEN_ARTIFACTS_ACCOUNT_ID or "${DEFAULT_ACCOUNT}")`);
}

// serverFlag: the option that names the server (--url, or --server on repos import).
function connect(opts, serverFlag = '--url') {
  const url = (serverFlag === '--url' ? opts.url : opts.server) ?? env('OPEN_ARTIFACTS_URL') ?? DEFAULT_URL;
  if (!/^https?:$/.test(safeProtocol(url))) throw new UsageError(`${serverFlag} (or OPEN_ARTIFACTS_URL) must be an http:// or https:// URL, got "${url}"`);
  return createClient({
    url,
    apiToken: opts.apiToken ?? env('OPEN_ARTIFACTS_API_TOKEN'),
    accountId: opts.accountId ?? env('OPEN_ARTIFACTS_ACCOUNT_ID') ?? DEFAULT_ACCOUNT,
  });
}

const namespaceOf = (opts) => opts.namespace ?? env('OPEN_ARTIFACTS_NAMESPACE') ?? DEFAULT_NAMESPACE;

// A question on the terminal (stderr, so stdout stays the command's output).
async function ask(question) {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } catch {
    return ''; // stdin closed (Ctrl-D)
  } finally {
    rl.close();
  }
}

// [NAME] arguments are optional as in wrangler: asked for on a terminal, a
// usage error otherwise.
async function nameOrAsk(value, what) {
  if (value) return value;
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const answer = await ask(`${what[0].toUpperCase()}${what.slice(1)}: `);
    if (answer) return answer;
  }
  throw new UsageError(`missing the ${what} (the first argument)`);
}

const print = (text) => process.stdout.write(text);
const printJson = (value) => print(`${JSON.stringify(value, null, 2)}\n`);

// An object's fields as "label: value" lines, times readable, nested objects as JSON.
function fields(object) {
  return details(
    Object.entries(object ?? {}).map(([key, value]) => [
      key.replace(/_/g, ' '),
      /_at$/.test(key) ? formatTime(value) : value !== null && typeof value === 'object' ? JSON.stringify(value) : value,
    ]),
  );
}

// git takes a repo token's secret (the part before "?expires=") as the Basic
// password and ignores the user name.
function authenticatedRemote(remote, token) {
  const u = new URL(remote);
  u.username = 'x';
  u.password = token.split('?')[0];
  return u.href;
}

// What create, import and fork print: the repo, its first token, how to clone it.
function printCreated(headline, result) {
  print(`${headline}\n${fields(result)}`);
  if (result.remote && result.token) print(`\nClone it (the token is a 24 h write token):\n  git clone ${authenticatedRemote(result.remote, result.token)}\n`);
}

// Import and fork stream progress (NDJSON) while they run: a bar on stderr.
// Ctrl-C drops the connection only: the server finishes the job regardless.
async function withProgress(labels, run) {
  const bar = progressBar(process.stderr, labels);
  const controller = new AbortController();
  const onSigint = () => {
    bar.end();
    console.error('open-artifacts: interrupted; the server may still finish the job (see "open-artifacts repos get")');
    controller.abort();
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    return await run({ onProgress: (p) => bar.update(p ?? {}), signal: controller.signal });
  } finally {
    bar.end();
    process.off('SIGINT', onSigint);
  }
}

// --- namespaces

const namespaces = program.command('namespaces').description('list and inspect namespaces');

clientCommand(namespaces, 'list', 'list the namespaces of the account', { namespace: false })
  .option('--limit <n>', 'at most this many', wholeNumber)
  .option('--cursor <c>', 'the next page (printed after a page that has one)')
  .action(async (opts) => {
    const { result, resultInfo } = await connect(opts).listNamespaces({ limit: opts.limit, cursor: opts.cursor });
    if (opts.json) printJson(result);
    else if (!result?.length) print('No namespaces.\n');
    else {
      print(table(result, [
        ['NAME', (n) => n.namespace ?? n.name],
        ['JURISDICTION', (n) => n.jurisdiction],
        ['REPOS', (n) => n.repo_count],
        ['CREATED', (n) => formatTime(n.created_at)],
      ]));
    }
    nextPageHint(resultInfo);
  });

clientCommand(namespaces, 'get [name]', `show one namespace (default: $OPEN_ARTIFACTS_NAMESPACE or "${DEFAULT_NAMESPACE}")`, { namespace: false })
  .action(async (name, opts) => {
    const { result } = await connect(opts).getNamespace(name ?? namespaceOf({}));
    if (opts.json) printJson(result);
    else print(fields(result));
  });

// --- repos

const repos = program.command('repos').description('create, list, inspect, delete, import and fork repos; mint tokens');

clientCommand(repos, 'create [name]', 'create an empty repo; prints its remote and a 24 h write token')
  .option('--description <text>', 'a description')
  .option('--default-branch <branch>', 'the default branch (default "main")')
  .option('--read-only', 'refuse pushes')
  .action(async (name, opts) => {
    name = await nameOrAsk(name, 'repo name');
    const body = { name };
    if (opts.description !== undefined) body.description = opts.description;
    if (opts.defaultBranch !== undefined) body.default_branch = opts.defaultBranch;
    if (opts.readOnly) body.read_only = true;
    const { result } = await connect(opts).createRepo(namespaceOf(opts), body);
    if (opts.json) printJson(result);
    else printCreated(`Created repo "${result.name}" in namespace "${namespaceOf(opts)}".`, result);
  });

clientCommand(repos, 'list', 'list the repos of a namespace, newest first')
  .option('--limit <n>', 'at most this many (1-200, default 50)', wholeNumber)
  .option('--cursor <c>', 'the next page (printed after a page that has one)')
  .option('--search <text>', 'only names containing this')
  .option('--sort <field>', 'created_at, updated_at, last_push_at or name')
  .option('--direction <dir>', 'asc or desc')
  .action(async (opts) => {
    const query = { limit: opts.limit, cursor: opts.cursor, search: opts.search, sort: opts.sort, direction: opts.direction };
    const { result, resultInfo } = await connect(opts).listRepos(namespaceOf(opts), query);
    if (opts.json) printJson(result);
    else if (!result?.length) print(`No repos in namespace "${namespaceOf(opts)}".\n`);
    else {
      print(table(result, [
        ['NAME', (r) => r.name],
        ['STATUS', (r) => r.status],
        ['DEFAULT BRANCH', (r) => r.default_branch],
        ['READ-ONLY', (r) => r.read_only],
        ['CREATED', (r) => formatTime(r.created_at)],
        ['LAST PUSH', (r) => formatTime(r.last_push_at)],
        ['DESCRIPTION', (r) => (r.description === null ? null : oneLine(r.description, 48))],
      ]));
    }
    nextPageHint(resultInfo);
  });

// More pages: the cursor to ask for them, on stderr (stdout stays the list).
function nextPageHint(resultInfo) {
  if (resultInfo?.cursor) process.stderr.write(`More results: add --cursor ${resultInfo.cursor}\n`);
}

clientCommand(repos, 'get [name]', 'show one repo')
  .action(async (name, opts) => {
    name = await nameOrAsk(name, 'repo name');
    const { result } = await connect(opts).getRepo(namespaceOf(opts), name);
    if (opts.json) printJson(result);
    else print(fields(result));
  });

clientCommand(repos, 'delete [name]', 'delete a repo and everything in it (asks first unless --force)')
  .option('-y, --force', 'do not ask (needed when not on a terminal)')
  .action(async (name, opts) => {
    name = await nameOrAsk(name, 'repo name');
    const client = connect(opts);
    const namespace = namespaceOf(opts);
    if (!opts.force) {
      if (!process.stdin.isTTY) {
        throw new UsageError(`not deleting repo "${name}" without confirmation: stdin is not a terminal; pass --force (-y) to delete it`);
      }
      await client.getRepo(namespace, name); // a missing repo fails here, before the question
      const answer = await ask(`Delete repo "${name}" in namespace "${namespace}" and everything in it? This cannot be undone. [y/N] `);
      if (!/^y(es)?$/i.test(answer)) {
        process.stderr.write('Not deleted.\n');
        process.exitCode = 1;
        return;
      }
    }
    const { result } = await client.deleteRepo(namespace, name);
    if (opts.json) printJson(result);
    else print(`Deleted repo "${name}" from namespace "${namespace}"${result?.id ? ` (id ${result.id})` : ''}.\n`);
  });

clientCommand(repos, 'issue-token [repo]', 'mint a repo token for git (clone and fetch; push with write)')
  .option('--scope <scope>', 'read or write (default write)')
  .option('--ttl <seconds>', 'lifetime, 60 to 31536000 seconds (default 86400)', wholeNumber)
  .action(async (repo, opts) => {
    repo = await nameOrAsk(repo, 'repo name');
    const { result } = await connect(opts).createToken(namespaceOf(opts), tokenRequest(repo, opts));
    if (opts.json) printJson(result);
    else print(`Issued a ${result.scope} token for repo "${repo}".\n${fields(result)}`);
  });

function tokenRequest(repo, opts) {
  const body = { repo };
  if (opts.scope !== undefined) body.scope = opts.scope;
  if (opts.ttl !== undefined) body.ttl = opts.ttl;
  return body;
}

clientCommand(repos, 'clone-url [name]', 'mint a token and print an authenticated remote for git: git clone "$(open-artifacts repos clone-url NAME)"')
  .option('--scope <scope>', 'read or write (default write)')
  .option('--ttl <seconds>', 'lifetime of the token, 60 to 31536000 seconds (default 86400)', wholeNumber)
  .action(async (name, opts) => {
    name = await nameOrAsk(name, 'repo name');
    const client = connect(opts);
    const namespace = namespaceOf(opts);
    // The repo's own remote: it names the host clients use (--public-host).
    const { result: repo } = await client.getRepo(namespace, name);
    const { result: token } = await client.createToken(namespace, tokenRequest(name, opts));
    const url = authenticatedRemote(repo.remote, token.plaintext);
    if (opts.json) printJson({ url, remote: repo.remote, token_id: token.id, scope: token.scope, expires_at: token.expires_at });
    else {
      print(`${url}\n`);
      process.stderr.write(`(a ${token.scope} token, expires ${formatTime(token.expires_at)}, id ${token.id})\n`);
    }
  });

// Here --url is the git remote (as in the REST body), so the server is --server.
clientCommand(repos, 'import [name]', 'import a public git repo (HTTPS) as a new repo, with a progress bar; NAME defaults to the last part of the URL', { serverFlag: '--server' })
  .requiredOption('--url <git-url>', 'the remote to import, e.g. https://github.com/octocat/Hello-World')
  .option('--branch <b>', 'only this branch (default: every branch and tag)')
  .option('--depth <n>', 'a shallow import of the last <n> commits', wholeNumber)
  .option('--read-only', 'refuse pushes to the new repo')
  .action(async (name, opts) => {
    name = await nameOrAsk(name ?? repoNameFromUrl(opts.url), 'repo name');
    const body = { url: opts.url };
    if (opts.branch !== undefined) body.branch = opts.branch;
    if (opts.depth !== undefined) body.depth = opts.depth;
    if (opts.readOnly) body.read_only = true;
    const client = connect(opts, '--server');
    const { result } = await withProgress({}, (o) => client.importRepo(namespaceOf(opts), name, body, o));
    if (opts.json) printJson(result);
    else printCreated(`Imported ${opts.url} as repo "${result.name}" in namespace "${namespaceOf(opts)}".`, result);
  });

// "https://github.com/octocat/Hello-World.git" -> "Hello-World".
function repoNameFromUrl(url) {
  const last = safeProtocol(url) ? new URL(url).pathname.split('/').filter(Boolean).at(-1) : undefined;
  return last?.replace(/\.git$/, '') || undefined;
}

clientCommand(repos, 'fork [name]', 'fork a repo into a new one in the same namespace, with a progress bar')
  .requiredOption('--name <target>', 'the new repo')
  .option('--description <text>', "the fork's description (not copied from the source)")
  .option('--read-only', 'refuse pushes to the fork')
  .option('--all-branches', 'fork every branch and tag (default: the default branch only)')
  .action(async (name, opts) => {
    name = await nameOrAsk(name, 'repo name');
    const body = { name: opts.name, default_branch_only: !opts.allBranches };
    if (opts.description !== undefined) body.description = opts.description;
    if (opts.readOnly) body.read_only = true;
    const client = connect(opts);
    const labels = { refs: 'Reading refs...', objects: 'Copying objects', bytes: false };
    const { result } = await withProgress(labels, (o) => client.forkRepo(namespaceOf(opts), name, body, o));
    if (opts.json) printJson(result);
    else printCreated(`Forked "${name}" as repo "${result.name}" in namespace "${namespaceOf(opts)}".`, result);
  });

clientCommand(repos, 'log [name]', 'list commits, newest first (first parents)')
  .option('--ref <ref>', 'branch, tag or commit to start from (default HEAD)')
  .option('--limit <n>', 'at most this many (default 50, at most 1000)', wholeNumber)
  .option('--offset <n>', 'skip this many first', wholeNumber)
  .action(async (name, opts) => {
    name = await nameOrAsk(name, 'repo name');
    const { result } = await connect(opts).log(namespaceOf(opts), name, { ref: opts.ref, limit: opts.limit, offset: opts.offset });
    if (opts.json) printJson(result);
    else if (!result?.length) print(`No commits on ${opts.ref ?? 'HEAD'}.\n`);
    else {
      print(table(result, [
        ['COMMIT', (c) => c.hash.slice(0, 12)],
        ['DATE', (c) => formatTime(c.committedAt)],
        ['AUTHOR', (c) => c.author?.name],
        ['MESSAGE', (c) => oneLine(c.message)],
      ]));
    }
  });

// The connection options go last, after each command's own.
for (const [cmd, connection] of clientCommands) withConnection(cmd, connection);

// ------------------------------------------------------------------- run

function report(e) {
  if (e instanceof UsageError) {
    console.error(`open-artifacts: ${e.message}`);
    return EXIT_USAGE;
  }
  if (e instanceof ApiError) {
    for (const error of e.errors) {
      const where = [error.code !== undefined && `code ${error.code}`, error.source?.pointer].filter(Boolean).join(', ');
      console.error(`open-artifacts: ${error.message}${where ? ` [${where}]` : ''}`);
    }
    if (e.status === 401) console.error('open-artifacts: the server needs an API token: pass --api-token or set OPEN_ARTIFACTS_API_TOKEN');
    return EXIT_API_ERROR;
  }
  if (e instanceof UnreachableError) {
    console.error(`open-artifacts: ${e.message}`);
    console.error('open-artifacts: is "open-artifacts serve" running there? Point --url (or OPEN_ARTIFACTS_URL) at the server');
    return EXIT_UNREACHABLE;
  }
  console.error(`open-artifacts: ${e?.stack ?? e}`);
  return 1;
}

// `open-artifacts repos list | head -1`: a reader that stops early is no error.
process.stdout.on('error', (e) => process.exit(e.code === 'EPIPE' ? 0 : 1));

// No command at all: say so before the help (commander would print only the help).
if (process.argv.length <= 2) program.error('missing command');
try {
  await program.parseAsync();
} catch (e) {
  process.exitCode = report(e);
}
