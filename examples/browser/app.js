// The repo browser: the whole Artifacts service runs in this page over
// MemoryStorage. Repos are made and forked through the binding-shaped API,
// files are committed with isomorphic-git (whose HTTP goes to
// `artifacts.fetch` in the page, git-http.js), and the content API (log,
// readTree, readFile, readCommit, readBlob) shows what landed. Every failure
// is shown in the error banner with its code; nothing is stored beyond the
// page's memory.
import { commitDiff } from './commit-diff.js';
import { commitFiles } from './commit-files.js';
import { $, el, fill, formatBytes, formatDate, shortHash } from './dom.js';
import { inPageHttp } from './git-http.js';
import { serverConnection } from './server-api.js';

// Remotes of in-page repos: a name that cannot resolve, and that the http
// plugin refuses to leave (so git never reaches the network).
const IN_PAGE_BASE_URL = 'https://in-page.invalid';
const NAMESPACE = 'page';
const MAX_TEXT_SHOWN = 512 * 1024;

// The banner shows one failure: an ArtifactsError's code and numeric code,
// a REST API error's status, an isomorphic-git error's code and the server's reply.
function errorBanner() {
  const banner = $('error-banner');
  const describe = (e) => {
    if (e?.name === 'ArtifactsError') return [`${e.code} (${e.numericCode})`, e.message];
    if (e?.name === 'ServerError') return [`Server ${e.status}${e.code ? ` · ${e.code}` : ''}`, e.message];
    const reply = typeof e?.data?.response === 'string' ? e.data.response.trim() : '';
    if (typeof e?.code === 'string') return [e.code, reply ? `${e.message}: ${reply}` : e.message];
    return [e?.name ?? 'Error', e?.message ?? String(e)];
  };
  $('error-dismiss').onclick = () => {
    banner.hidden = true;
  };
  return {
    show(e) {
      const [code, message] = describe(e);
      $('error-code').textContent = code;
      $('error-message').textContent = message;
      banner.hidden = false;
      console.error(e);
    },
    clear() {
      banner.hidden = true;
    },
  };
}

class PageError extends Error {
  name = 'InvalidInput';
}

// "Name <email>" -> isomorphic-git's author.
function parseAuthor(text) {
  const match = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(text);
  if (!match || !match[1]) throw new PageError('Author must read "Name <email>"');
  return { name: match[1], email: match[2] };
}

// openArtifacts: the package's browser entry (its module namespace); git: isomorphic-git
// (or a promise of it); wasmUrl: where the core is, when not next to the package's module (bundles).
export async function startDemo({ openArtifacts, git: gitLoading, wasmUrl }) {
  const banner = errorBanner();
  window.addEventListener('unhandledrejection', (event) => banner.show(event.reason));
  window.addEventListener('error', (event) => banner.show(event.error ?? new Error(event.message)));

  const server = serverConnection(location.origin);
  const artifacts = openArtifacts.createArtifacts({
    storage: new openArtifacts.MemoryStorage(),
    namespace: NAMESPACE,
    baseUrl: IN_PAGE_BASE_URL,
    wasmUrl,
    fetch: server.importFetch,
    // import() reads only from the origin that served this page (plain http on loopback for
    // `open-artifacts serve`), which the core's default guard refuses.
    allowHttpImport: location.protocol === 'http:',
    allowPrivateImport: true,
  });
  const http = inPageHttp(artifacts, IN_PAGE_BASE_URL);
  const pushTokens = new Map(); // repo name -> the write token pushes from this page use
  let git = null; // isomorphic-git, once loaded

  let current = null; // { name, repo, info }
  let currentTab = 'files';
  let browsing = null; // { commit, stack: [{ name, hash }] } for the Files tab
  let shownObjectUrl = null;

  // Runs a user action: clears the banner, disables the control meanwhile, shows any failure.
  async function act(control, work) {
    banner.clear();
    if (control) control.disabled = true;
    try {
      return await work();
    } catch (e) {
      banner.show(e);
      return undefined;
    } finally {
      if (control) control.disabled = false;
    }
  }

  // ---- repo list and selection -------------------------------------------------------------

  async function refreshRepos() {
    const { repos } = await artifacts.list({ limit: 100 });
    fill(
      $('repo-list'),
      repos.map((r) =>
        el(
          'li',
          { className: r.name === current?.name ? 'selected' : '', dataset: { testid: 'repo-item', name: r.name } },
          el(
            'button',
            { type: 'button', className: 'repo-link', onclick: (ev) => act(ev.currentTarget, () => selectRepo(r.name)) },
            el('span', { className: 'name' }, r.name),
            el('span', { className: `badge ${r.status}` }, r.status),
            r.readOnly ? el('span', { className: 'badge' }, 'read-only') : null,
          ),
          r.description ? el('div', { className: 'hint' }, r.description) : null,
          el(
            'div',
            { className: 'hint' },
            `${r.defaultBranch} · ${r.lastPushAt ? `pushed ${formatDate(r.lastPushAt)}` : 'never pushed'}`,
            r.source ? ` · from ${r.source}` : '',
          ),
        ),
      ),
    );
    $('repo-list-empty').hidden = repos.length > 0;
  }

  async function selectRepo(name) {
    const repo = await artifacts.get(name);
    const info = await repo.info();
    current = { name: info.name, repo, info };
    browsing = null;
    $('no-repo').hidden = true;
    $('repo-view').hidden = false;
    $('repo-title').textContent = info.name;
    $('repo-description').textContent = info.description ?? '';
    renderMeta(info);
    for (const id of ['files-ref', 'history-ref', 'commit-branch']) $(id).value = info.defaultBranch;
    resetCommitForm();
    $('minted-token').hidden = true;
    await refreshRepos();
    await showTab(currentTab);
  }

  function renderMeta(info) {
    const rows = [
      ['Remote (in this page)', el('code', {}, info.remote)],
      ['Default branch', info.defaultBranch],
      ['Created', formatDate(info.createdAt)],
      ['Last push', formatDate(info.lastPushAt)],
      ['Source', info.source ?? '—'],
      ['Read-only', info.readOnly ? 'yes' : 'no'],
    ];
    fill($('repo-meta'), rows.map(([k, v], i) => el('div', { className: i === 0 ? 'wide' : '' }, el('dt', {}, k), el('dd', {}, v))));
  }

  async function refreshCurrent() {
    current.info = await current.repo.info();
    renderMeta(current.info);
    await refreshRepos();
  }

  // ---- tabs --------------------------------------------------------------------------------

  async function showTab(tab) {
    currentTab = tab;
    for (const button of document.querySelectorAll('.tabs [data-tab]')) button.setAttribute('aria-selected', String(button.dataset.tab === tab));
    for (const panel of document.querySelectorAll('[data-panel]')) panel.hidden = panel.dataset.panel !== tab;
    if (tab === 'files') await loadFiles();
    else if (tab === 'history') await loadHistory();
    else if (tab === 'tokens') await loadTokens();
    else if (tab === 'commit') showPushToken();
  }
  for (const button of document.querySelectorAll('.tabs [data-tab]')) {
    button.onclick = () => act(null, () => showTab(button.dataset.tab));
  }

  // ---- files: tree browser (log -> readCommit's tree -> readTree) and readFile ---------------

  async function loadFiles() {
    const ref = $('files-ref').value.trim() || current.info.defaultBranch;
    const [head] = await current.repo.log({ ref, limit: 1 });
    $('file-view').hidden = true;
    if (!head) {
      browsing = null;
      fill($('tree').tBodies[0]);
      fill($('breadcrumb'));
      $('files-commit').textContent = '';
      $('tree-empty').hidden = false;
      return;
    }
    $('tree-empty').hidden = true;
    $('files-commit').textContent = `at ${shortHash(head.hash)} · ${head.message.split('\n')[0]}`;
    browsing = { commit: head, stack: [{ name: current.name, hash: head.treeHash }] };
    await showTree();
  }
  $('files-ref').onchange = () => act(null, loadFiles);

  async function showTree() {
    const { stack } = browsing;
    const entries = (await current.repo.readTree(stack[stack.length - 1].hash)) ?? [];
    entries.sort((a, b) => (b.type === 'tree') - (a.type === 'tree') || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)); // folders first
    fill(
      $('breadcrumb'),
      stack.map((level, i) => [
        i > 0 ? el('span', { className: 'sep' }, '/') : null,
        el('button', { type: 'button', className: 'link', onclick: () => act(null, () => ((browsing.stack = stack.slice(0, i + 1)), showTree())) }, level.name),
      ]),
    );
    fill(
      $('tree').tBodies[0],
      entries.map((entry) => {
        const open = entry.type === 'tree' ? () => ((browsing.stack = [...stack, { name: entry.name, hash: entry.hash }]), showTree()) : entry.type === 'gitlink' ? null : () => showFile(entry);
        return el(
          'tr',
          { dataset: { testid: 'tree-entry', name: entry.name, type: entry.type } },
          el('td', { className: `icon ${entry.type}` }, entry.type === 'tree' ? '▸' : entry.type === 'gitlink' ? '⧉' : '·'),
          el('td', {}, open ? el('button', { type: 'button', className: 'link', onclick: (ev) => act(ev.currentTarget, open) }, entry.name) : entry.name),
          el('td', { className: 'mono hint' }, entry.mode),
          el('td', { className: 'mono hint' }, shortHash(entry.hash)),
        );
      }),
    );
    $('file-view').hidden = true;
  }

  async function showFile(entry) {
    const path = [...browsing.stack.slice(1).map((s) => s.name), entry.name].join('/');
    const blob = await current.repo.readFile({ ref: browsing.commit.hash, path });
    const view = $('file-view');
    if (shownObjectUrl) URL.revokeObjectURL(shownObjectUrl);
    shownObjectUrl = null;
    const head = el('div', { className: 'file-head' }, el('strong', { dataset: { testid: 'file-path' } }, path), el('span', { className: 'hint', dataset: { testid: 'file-type' } }, blob ? `${blob.type} · ${formatBytes(blob.size)}` : 'not a file'));
    let body = null;
    if (blob?.type.startsWith('image/')) {
      shownObjectUrl = URL.createObjectURL(blob);
      body = el('img', { src: shownObjectUrl, alt: path, dataset: { testid: 'file-image' } });
    } else if (blob?.type.startsWith('text/')) {
      const text = await blob.slice(0, MAX_TEXT_SHOWN).text();
      body = el('pre', { dataset: { testid: 'file-text' } }, text, blob.size > MAX_TEXT_SHOWN ? `\n… (${formatBytes(blob.size - MAX_TEXT_SHOWN)} more)` : '');
    } else if (blob) {
      shownObjectUrl = URL.createObjectURL(blob);
      body = el('p', {}, 'Binary file. ', el('a', { href: shownObjectUrl, download: entry.name }, 'Download'));
    }
    fill(view, head, body);
    view.hidden = false;
  }

  // ---- history: log and the diff of a commit against its parent --------------------------

  async function loadHistory() {
    const ref = $('history-ref').value.trim() || current.info.defaultBranch;
    const commits = await current.repo.log({ ref, limit: 50 });
    $('diff').hidden = true;
    $('log-empty').hidden = commits.length > 0;
    fill(
      $('log'),
      commits.map((c) =>
        el(
          'li',
          { dataset: { testid: 'log-entry', hash: c.hash } },
          el('button', { type: 'button', className: 'log-link', onclick: (ev) => act(ev.currentTarget, () => showDiff(c)) },
            el('code', { className: 'hash' }, shortHash(c.hash)),
            el('span', { className: 'message' }, c.message.split('\n')[0]),
          ),
          el('span', { className: 'hint' }, `${c.author.name} · ${formatDate(c.authoredAt)}`),
        ),
      ),
    );
  }
  $('history-ref').onchange = () => act(null, loadHistory);

  async function showDiff(commit) {
    for (const li of $('log').children) li.classList.toggle('selected', li.dataset.hash === commit.hash);
    const { parent, files, more } = await commitDiff(current.repo, commit);
    const view = $('diff');
    fill(
      view,
      el('div', { className: 'diff-head' },
        el('strong', {}, `${shortHash(commit.hash)} `),
        parent ? `against its parent ${shortHash(parent)}` : 'root commit (against an empty tree)',
        el('pre', { className: 'commit-message' }, commit.message),
        el('span', { className: 'hint' }, `${commit.author.name} <${commit.author.email}> · ${formatDate(commit.authoredAt)}`),
      ),
      files.map((f) =>
        el('section', { className: 'diff-file', dataset: { testid: 'diff-file', path: f.path, status: f.status } },
          el('header', {},
            el('span', { className: `badge ${f.status}` }, f.status),
            el('code', {}, f.path),
            f.binary ? el('span', { className: 'hint' }, 'binary') : el('span', { className: 'hint' }, `+${f.added} −${f.removed}`),
            f.modeChange ? el('span', { className: 'hint' }, f.modeChange) : null,
          ),
          f.binary ? null : el('table', { className: 'hunks' }, el('tbody', {},
            f.hunks.map((h) => [
              el('tr', { className: 'hunk-head' }, el('td', { colSpan: 3 }, `@@ -${h.oldStart} +${h.newStart} @@`)),
              h.lines.map((l) =>
                el('tr', { className: `line ${l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'ctx'}`, dataset: { testid: 'diff-line', op: l.op } },
                  el('td', { className: 'num' }, l.oldLine ?? ''),
                  el('td', { className: 'num' }, l.newLine ?? ''),
                  el('td', { className: 'code' }, `${l.op} ${l.text}`, l.noNewline ? el('span', { className: 'hint' }, ' ⏎ no newline at end of file') : null),
                ),
              ),
            ]),
          )),
          f.truncated ? el('p', { className: 'hint' }, 'Too many changes to align: shown as replaced.') : null,
        ),
      ),
      more ? el('p', { className: 'hint' }, 'More files changed than are listed.') : null,
    );
    view.hidden = false;
  }

  // ---- commit: files -> isomorphic-git -> push to artifacts.fetch --------------------------

  function showPushToken() {
    const token = pushTokens.get(current.name);
    $('commit-token').textContent = token
      ? `Pushes use the write token ${token.slice(0, 14)}… (mint a write token in Tokens to switch).`
      : 'This page holds no write token for this repository: mint one in Tokens.';
  }

  function fileRow({ path = '', content = '', bytes = null } = {}) {
    const row = el('div', { className: 'file-row', dataset: { testid: 'commit-file-row' } },
      el('div', { className: 'row' },
        el('input', { className: 'grow', value: path, placeholder: 'path/in/repo.txt', dataset: { testid: 'commit-file-path' }, autocomplete: 'off' }),
        el('button', { type: 'button', className: 'ghost', title: 'Remove', onclick: () => row.remove() }, '✕'),
      ),
      bytes
        ? el('p', { className: 'hint' }, `${formatBytes(bytes.length)} from disk`)
        : el('textarea', { rows: 5, value: content, placeholder: 'File contents', dataset: { testid: 'commit-file-content' } }),
    );
    row.bytes = bytes;
    return row;
  }

  function resetCommitForm() {
    fill($('commit-files'), fileRow());
    $('commit-message').value = '';
    $('commit-result').hidden = true;
  }
  $('commit-add-file').onclick = () => $('commit-files').append(fileRow());
  $('commit-upload').onchange = (ev) =>
    act(null, async () => {
      for (const file of ev.target.files) $('commit-files').append(fileRow({ path: file.name, bytes: new Uint8Array(await file.arrayBuffer()) }));
      ev.target.value = '';
    });

  $('commit-form').onsubmit = (ev) => {
    ev.preventDefault();
    return act($('commit-submit'), async () => {
      const form = ev.target;
      const branch = form.branch.value.trim();
      const author = parseAuthor(form.author.value);
      const encoder = new TextEncoder();
      const files = [...$('commit-files').children]
        .map((row) => ({ path: $('commit-file-path', row).value.trim(), bytes: row.bytes ?? encoder.encode($('commit-file-content', row).value) }))
        .filter((f) => f.path !== '');
      if (files.length === 0) throw new PageError('Add at least one file with a path');
      const token = pushTokens.get(current.name);
      if (!token) throw new PageError('This page holds no write token for this repository: mint one in the Tokens tab');
      const branchExists = (await current.repo.log({ ref: `refs/heads/${branch}`, limit: 1 })).length > 0;
      const oid = await commitFiles({ git, http, url: current.info.remote, token, branch, branchExists, files, message: form.message.value, author });
      resetCommitForm();
      const result = $('commit-result');
      fill(result, 'Pushed ', el('code', { dataset: { testid: 'commit-hash' } }, shortHash(oid)), ` to ${branch} (${files.length} file${files.length === 1 ? '' : 's'}).`);
      result.hidden = false;
      await refreshCurrent();
    });
  };

  // ---- tokens ------------------------------------------------------------------------------

  async function loadTokens() {
    const { tokens } = await current.repo.listTokens();
    fill(
      $('token-list'),
      tokens.map((t) =>
        el('tr', { dataset: { testid: 'token-item', id: t.id, state: t.state } },
          el('td', { className: 'mono' }, t.id),
          el('td', {}, t.scope),
          el('td', {}, el('span', { className: `badge ${t.state}` }, t.state)),
          el('td', {}, formatDate(t.createdAt)),
          el('td', {}, formatDate(t.expiresAt)),
          el('td', {}, t.state === 'active'
            ? el('button', { type: 'button', className: 'ghost danger', dataset: { testid: 'token-revoke' }, onclick: (ev) => act(ev.currentTarget, async () => {
              await current.repo.revokeToken(t.id);
              await loadTokens();
            }) }, 'Revoke')
            : null),
        ),
      ),
    );
  }

  $('token-form').onsubmit = (ev) => {
    ev.preventDefault();
    return act($('token-mint'), async () => {
      const form = ev.target;
      const ttlText = form.ttl.value.trim();
      // A number when it reads as one; anything else goes as typed, for the core to judge.
      const ttl = ttlText === '' ? undefined : /^-?\d+$/.test(ttlText) ? Number(ttlText) : ttlText;
      const token = await current.repo.createToken(form.scope.value, ttl);
      if (token.scope === 'write') pushTokens.set(current.name, token.plaintext);
      fill($('minted-token'),
        el('div', {}, `New ${token.scope} token (shown once${token.scope === 'write' ? '; pushes from this page now use it' : ''}):`),
        el('code', { dataset: { testid: 'minted-token-value' } }, token.plaintext),
      );
      $('minted-token').hidden = false;
      await loadTokens();
    });
  };

  // ---- fork and delete ---------------------------------------------------------------------

  $('fork-form').onsubmit = (ev) => {
    ev.preventDefault();
    return act($('fork-submit'), async () => {
      const form = ev.target;
      const opts = { defaultBranchOnly: form.defaultBranchOnly.checked, readOnly: form.readOnly.checked };
      if (form.description.value.trim()) opts.description = form.description.value.trim();
      const fork = await current.repo.fork(form.name.value.trim(), opts);
      pushTokens.set(fork.name, fork.token);
      form.reset();
      currentTab = 'files';
      await selectRepo(fork.name);
    });
  };

  // Two clicks (no confirm dialog): the first arms the button for a few seconds.
  $('repo-delete').onclick = (ev) => {
    const button = ev.currentTarget;
    if (!button.dataset.armed) {
      button.dataset.armed = 'true';
      button.textContent = 'Click again to delete';
      setTimeout(() => {
        delete button.dataset.armed;
        button.textContent = 'Delete';
      }, 4000);
      return undefined;
    }
    return act(button, async () => {
      await artifacts.delete(current.name);
      pushTokens.delete(current.name);
      current = null;
      $('repo-view').hidden = true;
      $('no-repo').hidden = false;
      await refreshRepos();
    });
  };

  // ---- create -------------------------------------------------------------------------------

  $('create-form').onsubmit = (ev) => {
    ev.preventDefault();
    return act($('create-submit'), async () => {
      const form = ev.target;
      const opts = {};
      if (form.description.value.trim()) opts.description = form.description.value.trim();
      // The name goes as typed: the core judges it (INVALID_REPO_NAME, ALREADY_EXISTS).
      const created = await artifacts.create(form.name.value, opts);
      pushTokens.set(created.name, created.token);
      form.reset();
      currentTab = 'commit';
      await selectRepo(created.name);
    });
  };

  // ---- import from the serving server ------------------------------------------------------

  async function refreshServerRepos() {
    const select = $('server-repos');
    try {
      const repos = await server.listRepos();
      fill(select, repos.length ? repos.map((r) => el('option', { value: r.name, dataset: { remote: r.remote } }, `${r.name}${r.description ? ` — ${r.description}` : ''}`)) : el('option', { value: '' }, '(the server has no repositories)'));
      $('import-progress').textContent = '';
    } catch (e) {
      fill(select, el('option', { value: '' }, '(unavailable)'));
      $('import-progress').textContent = `The server's repo list is unavailable: ${e.message}`;
      throw e;
    }
  }
  $('import-refresh').onclick = (ev) => act(ev.currentTarget, refreshServerRepos);

  $('import-form').onsubmit = (ev) => {
    ev.preventDefault();
    return act($('import-submit'), async () => {
      const option = $('server-repos').selectedOptions[0];
      if (!option?.value) throw new PageError('Pick a repository of the server (↻ reloads the list)');
      const target = $('import-name').value.trim() || option.value;
      const progress = $('import-progress');
      progress.textContent = 'Starting…';
      let listed = false;
      const onProgress = (p) => {
        progress.textContent = `${p.phase}: ${p.objectsReceived}/${p.objectsTotal} objects, ${formatBytes(p.bytesReceived)}`;
        if (!listed) refreshRepos().catch(banner.show); // the target lists as "importing" meanwhile
        listed = true;
      };
      try {
        const result = await server.withReadToken(option.value, () =>
          artifacts.import({ source: { url: server.gitUrl(option.dataset.remote) }, target: { name: target } }, { onProgress }),
        );
        progress.textContent = `Imported ${option.value} as ${result.name}.`;
        pushTokens.set(result.name, result.token);
        $('import-name').value = '';
        currentTab = 'files';
        await selectRepo(result.name);
      } catch (e) {
        progress.textContent = 'Import failed.';
        throw e;
      }
    });
  };

  // ---- start --------------------------------------------------------------------------------

  try {
    // Loads and instantiates the wasm core while isomorphic-git loads.
    [git] = await Promise.all([gitLoading, artifacts.list({ limit: 1 })]);
  } catch (e) {
    banner.show(e);
    $('status').textContent = 'The core did not load.';
    $('status').classList.add('failed');
    return;
  }
  await refreshRepos();
  performance.mark('demo-ready');
  $('status').textContent = `Ready in ${Math.round(performance.now())} ms`;
  document.documentElement.dataset.ready = 'true';
  // The server's list is a convenience: a page served elsewhere says so in the import card.
  refreshServerRepos().catch(() => {});
}
