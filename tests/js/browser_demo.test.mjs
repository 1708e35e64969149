// The browser demo (examples/browser) in real Chromium: Debian's `chromium`
// driven by playwright-core (Playwright's own browser download is not used).
// The page served by `open-artifacts serve` at /demo/ runs the whole service
// in the page: it creates a repo, commits two files with isomorphic-git over
// the in-page artifacts.fetch, browses log, tree and files (an image shown as
// an image), shows a diff, mints and revokes tokens, forks, imports a repo
// from the server that served it, shows every ArtifactsError in its banner,
// and starts clean on reload. The same page bundled by esbuild from
// bundle-entry.js (the package's `browser` export and `core.wasm` export)
// loads and commits too. Screenshots go to build/test-output/browser/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import * as esbuild from 'esbuild';
import { startGitHarness } from './git-harness.mjs';
import { startServer } from '../../js/src/server.js';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../..', import.meta.url));
const SHOTS = join(root, 'build/test-output/browser');
const BUNDLE_DIR = join(root, 'build/test-output/browser-bundle');
const tid = (id) => `[data-testid="${id}"]`;

// A small RGB PNG (a gradient), so the page has a real image to decode.
function makePng(width, height) {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type, data) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, 'ascii');
    data.copy(out, 8);
    out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3); // filter byte 0
    for (let x = 0; x < width; x++) row.set([(x * 255) / width, (y * 255) / height, 160], 1 + x * 3);
    rows.push(row);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

// Chromium behind a Playwright server in a child process (chromium-server.mjs says why).
async function connectChromium() {
  const child = spawn(process.execPath, [join(root, 'tests/js/chromium-server.mjs'), CHROMIUM], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  while (!output.includes('\n')) {
    const [chunk] = await Promise.race([once(child.stdout, 'data'), once(child, 'exit').then(() => [null])]);
    if (chunk === null) throw new Error('the Chromium server exited before it listened');
    output += chunk;
  }
  const connected = await chromium.connect(output.trim());
  return {
    browser: connected,
    async close() {
      await connected.close();
      child.stdin.end(); // the server closes Chromium and exits
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

let chromiumServer;
let browser;
before(async () => {
  // npm test installs Debian's chromium (scripts/setup.sh --test): missing, this test fails.
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: npm test installs it (apt-get install chromium)`);
  chromiumServer = await connectChromium();
  browser = chromiumServer.browser;
  mkdirSync(SHOTS, { recursive: true });
});
after(async () => {
  await chromiumServer?.close();
});

// A page that records uncaught errors and CSP violations, and the URLs it requested.
async function openPage() {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  page.on('request', (r) => requests.push(r.url()));
  return { page, problems, requests };
}

// Navigates and waits for the page's ready marker; the load-to-interactive time in ms.
async function load(page, url) {
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 60_000 });
  return page.evaluate(() => performance.getEntriesByName('demo-ready')[0].startTime);
}

const shot = (page, name) => page.screenshot({ path: join(SHOTS, name), fullPage: true });

// Waits until a control is enabled again (the page disables it while its action runs).
const settled = (page, id) => page.waitForSelector(`${tid(id)}:not([disabled])`, { state: 'attached' });

async function assertNoError(page, what) {
  const banner = page.locator(tid('error-banner'));
  if (await banner.isVisible()) assert.fail(`${what}: the page shows an error: ${await banner.innerText()}`);
}

// The banner's code and message after an action that must fail.
async function bannerError(page) {
  await page.waitForSelector(`${tid('error-banner')}:not([hidden])`);
  return { code: await page.textContent(tid('error-code')), message: await page.textContent(tid('error-message')) };
}

async function createRepo(page, name, description) {
  await page.fill(tid('create-name'), name);
  if (description) await page.fill(tid('create-description'), description);
  await page.click(tid('create-submit'));
  await settled(page, 'create-submit');
}

// Commits text files ({ path: text }) and uploads ({ path: Buffer }) from the Commit tab.
async function commit(page, message, files) {
  await page.click(tid('tab-commit'));
  await page.fill(tid('commit-message'), message);
  let first = true;
  for (const [path, content] of Object.entries(files)) {
    if (Buffer.isBuffer(content)) {
      await page.setInputFiles(tid('commit-upload'), { name: path, mimeType: 'application/octet-stream', buffer: content });
      await page.waitForSelector(`${tid('commit-file-path')} >> nth=-1`);
      continue;
    }
    if (!first) await page.click(tid('commit-add-file'));
    first = false;
    const row = page.locator(tid('commit-file-row')).filter({ has: page.locator(tid('commit-file-content')) }).last();
    await row.locator(tid('commit-file-path')).fill(path);
    await row.locator(tid('commit-file-content')).fill(content);
  }
  await page.click(tid('commit-submit'));
  await settled(page, 'commit-submit');
  await assertNoError(page, `commit "${message}"`);
  return page.textContent(tid('commit-hash'));
}

const texts = (page, selector) => page.locator(selector).allInnerTexts();
const attrs = (page, selector, name) => page.locator(selector).evaluateAll((nodes, n) => nodes.map((node) => node.getAttribute(n)), name);

test('the served page runs the service in Chromium: create, commit, browse, diff, tokens, fork, import, errors, reload', async () => {
  const h = await startGitHarness();
  try {
    // A repo on the server, pushed by the git CLI, for the page to import.
    const upstream = await h.createRepo('upstream', { description: 'made with the git CLI' });
    const work = h.path('upstream');
    await h.git(['clone', '-q', h.remote('upstream'), work], { token: upstream.token });
    await h.commit(work, { 'server.txt': 'from the server\n', 'src/lib.c': 'int lib;\n' }, 'server c1');
    await h.commit(work, { 'server.txt': 'from the server, twice\n' }, 'server c2');
    await h.git(['push', '-q', 'origin', 'main'], { cwd: work, token: upstream.token });
    const upstreamLog = (await h.git(['log', '--format=%H', 'main'], { cwd: work })).stdout.trim().split('\n');

    const { page, problems } = await openPage();
    const loadMs = await load(page, `${h.url}/demo/`);
    console.log(`browser demo (served): load to interactive ${loadMs.toFixed(0)} ms`);
    assert.match(await page.textContent(tid('status')), /^Ready in \d+ ms$/);
    await assertNoError(page, 'load');
    assert.equal(await page.locator(tid('repo-item')).count(), 0);
    await shot(page, '01-ready.png');

    // Create; bad names and duplicates show the core's error in the banner.
    await createRepo(page, 'demo', 'made in the page');
    await assertNoError(page, 'create');
    const item = page.locator(`${tid('repo-item')}[data-name="demo"]`);
    assert.match(await item.innerText(), /demo[\s\S]*ready[\s\S]*made in the page[\s\S]*main · never pushed/);
    assert.equal(await page.textContent(tid('repo-title')), 'demo');
    await createRepo(page, 'bad name!');
    const nameError = await bannerError(page);
    assert.equal(nameError.code, 'INVALID_REPO_NAME (10101)');
    assert.ok(nameError.message.length > 0);
    await shot(page, '02-error-invalid-name.png');
    await createRepo(page, 'DEMO');
    assert.equal((await bannerError(page)).code, 'ALREADY_EXISTS (10201)');
    await page.click(tid('error-dismiss'));
    assert.equal(await page.locator(tid('repo-item')).count(), 1, 'a rejected create changes nothing');

    // Two commits with isomorphic-git: a text file and a PNG, then an edit and a nested file.
    const png = makePng(48, 32);
    const first = await commit(page, 'Add readme and logo', { 'README.md': '# Demo\nhello\nworld\n', 'logo.png': png });
    assert.match(first, /^[0-9a-f]{8}$/);
    const second = await commit(page, 'Edit readme, add a guide', { 'README.md': '# Demo\nhello, browser\nworld\n', 'docs/guide.md': 'Read me first.\n' });
    assert.match(await item.innerText(), /pushed/, 'the list shows the push');
    await shot(page, '03-committed.png');

    // Files: the tree at the branch head, a folder, a text file and the image.
    await page.click(tid('tab-files'));
    await page.waitForSelector(`${tid('tree-entry')}[data-name="docs"]`);
    assert.deepEqual(await attrs(page, tid('tree-entry'), 'data-name'), ['docs', 'README.md', 'logo.png']);
    assert.deepEqual(await attrs(page, tid('tree-entry'), 'data-type'), ['tree', 'blob', 'blob']);
    assert.match(await page.textContent(tid('files-commit')), new RegExp(`^at ${second} · Edit readme, add a guide$`));
    await page.click(`${tid('tree-entry')}[data-name="docs"] button`);
    await page.waitForSelector(`${tid('tree-entry')}[data-name="guide.md"]`);
    assert.deepEqual(await texts(page, `${tid('breadcrumb')} button`), ['demo', 'docs']);
    await page.click(`${tid('tree-entry')}[data-name="guide.md"] button`);
    await page.waitForSelector(`${tid('file-text')}`);
    assert.equal(await page.textContent(tid('file-text')), 'Read me first.\n');
    assert.equal(await page.textContent(tid('file-path')), 'docs/guide.md');
    await page.click(`${tid('breadcrumb')} button >> text=demo`);
    await page.click(`${tid('tree-entry')}[data-name="logo.png"] button`);
    const image = page.locator(tid('file-image'));
    await image.waitFor();
    await page.waitForFunction((sel) => document.querySelector(sel)?.complete, tid('file-image'));
    assert.deepEqual(await image.evaluate((img) => [img.naturalWidth, img.naturalHeight]), [48, 32], 'the PNG decodes as an image');
    assert.match(await page.textContent(tid('file-type')), /^image\/png · /);
    await shot(page, '04-image.png');
    await page.click(`${tid('tree-entry')}[data-name="README.md"] button`);
    await page.waitForSelector(tid('file-text'));
    assert.equal(await page.textContent(tid('file-text')), '# Demo\nhello, browser\nworld\n');
    assert.match(await page.textContent(tid('file-type')), /^text\/plain/);

    // History: both commits, newest first; the diff of the second against the first.
    await page.click(tid('tab-history'));
    await page.waitForSelector(tid('log-entry'));
    assert.deepEqual(await texts(page, `${tid('log-entry')} .message`), ['Edit readme, add a guide', 'Add readme and logo']);
    const hashes = await attrs(page, tid('log-entry'), 'data-hash');
    assert.deepEqual(hashes.map((x) => x.slice(0, 8)), [second, first]);
    await page.click(`${tid('log-entry')} >> nth=0 >> button`);
    await page.waitForSelector(tid('diff-file'));
    assert.deepEqual(await attrs(page, tid('diff-file'), 'data-path'), ['README.md', 'docs/guide.md']);
    assert.deepEqual(await attrs(page, tid('diff-file'), 'data-status'), ['modified', 'added']);
    const readmeDiff = page.locator(`${tid('diff-file')}[data-path="README.md"]`);
    const diffLines = await readmeDiff.locator(tid('diff-line')).evaluateAll((rows) => rows.map((row) => [...row.cells].map((cell) => cell.textContent)));
    assert.deepEqual(diffLines, [
      ['1', '1', '  # Demo'],
      ['2', '', '- hello'],
      ['', '2', '+ hello, browser'],
      ['3', '3', '  world'],
    ]);
    await shot(page, '05-diff.png');
    // The root commit's diff lists both files as added, the image as binary.
    await page.click(`${tid('log-entry')} >> nth=1 >> button`);
    await page.waitForSelector(`${tid('diff-file')}[data-path="logo.png"]`);
    assert.deepEqual(await attrs(page, tid('diff-file'), 'data-status'), ['added', 'added']);
    assert.match(await page.locator(`${tid('diff-file')}[data-path="logo.png"]`).innerText(), /binary/);

    // Tokens: mint a read token, revoke it; a bad TTL shows INVALID_TTL.
    await page.click(tid('tab-tokens'));
    await page.waitForSelector(tid('token-item'));
    const before = await page.locator(tid('token-item')).count();
    await page.selectOption(tid('token-scope'), 'read');
    await page.fill(tid('token-ttl'), '600');
    await page.click(tid('token-mint'));
    await settled(page, 'token-mint');
    await assertNoError(page, 'mint');
    assert.match(await page.textContent(tid('minted-token-value')), /^art_v1_[0-9a-f]{40}\?expires=\d+$/);
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n, [tid('token-item'), before + 1]);
    const newest = page.locator(tid('token-item')).first();
    assert.match(await newest.innerText(), /read\s+active/);
    const mintedId = await newest.getAttribute('data-id');
    await newest.locator(tid('token-revoke')).click();
    // listTokens() lists active tokens only: the revoked one leaves the list.
    await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n, [tid('token-item'), before]);
    assert.ok(!(await attrs(page, tid('token-item'), 'data-id')).includes(mintedId));
    await page.fill(tid('token-ttl'), '-5');
    await page.click(tid('token-mint'));
    const ttlError = await bannerError(page);
    assert.equal(ttlError.code, 'INVALID_TTL (10103)');
    assert.ok(ttlError.message.length > 0);
    await shot(page, '06-tokens.png');

    // Fork: the fork is selected, names its source and has the files.
    await page.click(tid('tab-fork'));
    await page.fill(tid('fork-name'), 'demo-fork');
    await page.click(tid('fork-submit'));
    await settled(page, 'fork-submit');
    await assertNoError(page, 'fork');
    await page.waitForSelector(`${tid('repo-item')}[data-name="demo-fork"]`);
    assert.equal(await page.textContent(tid('repo-title')), 'demo-fork');
    assert.match(await page.textContent(tid('repo-meta')), /Sourceartifacts:page\/demo/);
    await page.click(tid('tab-files'));
    await page.waitForSelector(`${tid('tree-entry')}[data-name="README.md"]`);
    assert.match(await page.textContent(tid('files-commit')), new RegExp(`^at ${second}`));
    // Pushing to the fork with its own token works; the parent is unchanged.
    const forkCommit = await commit(page, 'On the fork', { 'fork.txt': 'fork only\n' });
    await page.click(`${tid('repo-item')}[data-name="demo"] button`);
    await page.click(tid('tab-history'));
    await page.waitForSelector(tid('log-entry'));
    assert.equal((await attrs(page, tid('log-entry'), 'data-hash'))[0].slice(0, 8), second, `the parent does not see ${forkCommit}`);
    await shot(page, '07-fork.png');

    // A push with a revoked token: the page shows git's 403.
    await page.click(tid('tab-tokens'));
    await page.waitForSelector(tid('token-revoke'));
    while ((await page.locator(tid('token-revoke')).count()) > 0) {
      const count = await page.locator(tid('token-revoke')).count();
      await page.locator(tid('token-revoke')).first().click();
      await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length === n - 1, [tid('token-revoke'), count]);
    }
    await page.click(tid('tab-commit'));
    await page.fill(tid('commit-message'), 'refused');
    await page.fill(tid('commit-file-path'), 'nope.txt');
    await page.fill(tid('commit-file-content'), 'nope\n');
    await page.click(tid('commit-submit'));
    const pushError = await bannerError(page);
    assert.equal(pushError.code, 'HttpError');
    assert.match(pushError.message, /403[\s\S]*Invalid or expired token/);
    await shot(page, '08-error-revoked-token.png');

    // Import from the server that served the page: its repo list, a read token, artifacts.import().
    await page.click(tid('import-refresh'));
    await settled(page, 'import-refresh');
    assert.deepEqual(await attrs(page, `${tid('server-repos')} option`, 'value'), ['upstream']);
    await page.fill(tid('import-name'), 'imported');
    await page.click(tid('import-submit'));
    await settled(page, 'import-submit');
    await assertNoError(page, 'import');
    await page.waitForSelector(`${tid('repo-item')}[data-name="imported"]`);
    assert.equal(await page.textContent(tid('repo-title')), 'imported');
    assert.match(await page.textContent(tid('repo-meta')), new RegExp(`Sourcegit:${h.url}/git/default/upstream\\.git`));
    assert.match(await page.textContent(tid('import-progress')), /^Imported upstream as imported\.$/);
    await page.waitForSelector(`${tid('tree-entry')}[data-name="server.txt"]`);
    assert.deepEqual(await attrs(page, tid('tree-entry'), 'data-name'), ['src', 'server.txt']);
    await page.click(tid('tab-history'));
    await page.waitForSelector(tid('log-entry'));
    assert.deepEqual(await attrs(page, tid('log-entry'), 'data-hash'), upstreamLog, 'the same commits as on the server');
    await shot(page, '09-imported.png');
    // Importing onto an existing name is refused with the core's code.
    await page.fill(tid('import-name'), 'demo');
    await page.click(tid('import-submit'));
    assert.equal((await bannerError(page)).code, 'ALREADY_EXISTS (10201)');

    assert.deepEqual(problems, [], 'no uncaught errors or CSP violations');

    // Reload: everything lived in the page's memory.
    const reloadMs = await load(page, `${h.url}/demo/`);
    console.log(`browser demo (served): reload to interactive ${reloadMs.toFixed(0)} ms`);
    assert.equal(await page.locator(tid('repo-item')).count(), 0);
    assert.equal(await page.isVisible(tid('repo-view')), false);
    await shot(page, '10-reloaded.png');
    await page.close();
  } finally {
    await h.close();
  }
});

test('the page bundled by esbuild from bundle-entry.js (browser export, core.wasm export) loads and commits', async (t) => {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: [join(root, 'examples/browser/bundle-entry.js')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    minify: true,
    outdir: BUNDLE_DIR,
    entryNames: 'main',
    assetNames: '[name]-[hash]',
    loader: { '.wasm': 'file' },
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'style.css', 'favicon.svg']) copyFileSync(join(root, 'examples/browser', file), join(BUNDLE_DIR, file));
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.includes('js/src/browser.js'), 'the package resolves to its browser entry');
  assert.ok(!inputs.some((i) => /js\/src\/(node|workerd|server|sqlite-storage)\.js$/.test(i)), `no Node or workerd entry in the bundle: ${inputs.join(', ')}`);
  const outputs = Object.entries(result.metafile.outputs).map(([path, o]) => ({ path, bytes: o.bytes }));
  const js = outputs.find((o) => o.path.endsWith('/main.js'));
  const wasm = outputs.find((o) => o.path.endsWith('.wasm'));
  assert.ok(js && wasm, JSON.stringify(outputs));
  assert.equal(wasm.bytes, statSync(join(root, 'js/dist/open_artifacts_core.wasm')).size, 'the core is copied as is');
  console.log(`browser demo (bundle): main.js ${js.bytes} bytes, ${wasm.path.split('/').pop()} ${wasm.bytes} bytes`);

  const dataDir = mkdtempSync(join(tmpdir(), 'oa-bundle-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const server = await startServer({ port: 0, dataDir, demoDir: BUNDLE_DIR });
  t.after(() => server.close());

  const { page, problems, requests } = await openPage();
  const loadMs = await load(page, server.demoUrl);
  console.log(`browser demo (bundle): load to interactive ${loadMs.toFixed(0)} ms`);
  await assertNoError(page, 'load');
  const paths = requests.map((u) => new URL(u).pathname);
  assert.ok(paths.some((p) => /^\/demo\/open_artifacts_core-[A-Z0-9]+\.wasm$/.test(p)), `the hashed wasm is fetched: ${paths.join(', ')}`);
  assert.ok(!paths.some((p) => p.startsWith('/demo/open-artifacts/') || p.startsWith('/demo/vendor/')), `only the bundle's files: ${paths.join(', ')}`);

  await createRepo(page, 'bundled');
  await assertNoError(page, 'create');
  const hash = await commit(page, 'From the bundle', { 'hello.txt': 'bundled hello\n' });
  await page.click(tid('tab-files'));
  await page.click(`${tid('tree-entry')}[data-name="hello.txt"] button`);
  await page.waitForSelector(tid('file-text'));
  assert.equal(await page.textContent(tid('file-text')), 'bundled hello\n');
  assert.match(await page.textContent(tid('files-commit')), new RegExp(`^at ${hash}`));
  await shot(page, '11-bundle.png');
  assert.deepEqual(problems, [], 'no uncaught errors or CSP violations');
  await page.close();
});
