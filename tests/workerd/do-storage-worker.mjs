// DurableObjectSqliteStorage (js/src/durable-object-storage.js) inside real workerd:
// a SQLite-backed Durable Object class that runs the shared storage contract
// cases (tests/js/storage-contract-cases.mjs) over its own ctx.storage, the
// package over it end to end (create, commit, fork, read; then read again
// after workerd restarts on the same state directory), and the row limit.
// Every route answers JSON; do_storage.test.mjs drives it.
import { DurableObject } from 'cloudflare:workers';
import assert from 'node:assert/strict';
import { createArtifacts, DurableObjectSqliteStorage } from '../../js/src/workerd.js';
import { MAX_ROW_BYTES } from '../../js/src/durable-object-storage.js';
import { storageContractCaseNames, storageContractCases } from '../js/storage-contract-cases.mjs';

const errorText = (e) => String(e?.stack ?? e);

// Deterministic bytes (xorshift32): incompressible, so a file of them stays as large in git.
function noise(length, seed) {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

async function sha256(bytes) {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const BIG_FILE_BYTES = 3 * 1024 * 1024 + 12345; // above the core's 1 MiB row chunking, and above the 2,000,000-byte row limit
const E2E_OPTIONS = { namespace: 'durable', baseUrl: 'https://example.test' };
const AUTHOR = { name: 'Durable Tester', email: 'do@example.test', date: 1_700_000_000 };

export class StorageTestObject extends DurableObject {
  // The adapter's own view of the database: its tables (one, "kv", besides
  // workerd's internal _cf_ ones), its rows and the largest row.
  #sqlFacts() {
    const sql = this.ctx.storage.sql;
    const tables = sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .toArray()
      .map((r) => r.name)
      .filter((name) => !name.startsWith('_cf_'));
    const check = sql.exec('PRAGMA quick_check').one();
    const quickCheck = Object.values(check)[0];
    if (!tables.includes('kv')) return { tables, rows: 0, maxRowBytes: 0, quickCheck };
    const { rows, maxRowBytes } = sql.exec('SELECT count(*) AS rows, coalesce(max(length(CAST(key AS BLOB)) + length(value)), 0) AS maxRowBytes FROM kv').one();
    return { tables, rows, maxRowBytes, quickCheck };
  }

  // One case of the shared table, on this object's (fresh) storage.
  async runCase(name) {
    try {
      if (this.#sqlFacts().rows !== 0) throw new Error('the Durable Object for this case is not fresh');
      let storage;
      const open = () => {
        if (storage) throw new Error('a case opens its storage once');
        storage = new DurableObjectSqliteStorage(this.ctx.storage);
        return storage;
      };
      const found = storageContractCases(open).filter((c) => c.name === name);
      if (found.length !== 1) throw new Error(`no single case named ${JSON.stringify(name)}`);
      await found[0].run(assert);
      const facts = this.#sqlFacts();
      // The table is made by the first write: a case that writes nothing leaves none.
      assert.ok(facts.tables.length === 0 || (facts.tables.length === 1 && facts.tables[0] === 'kv'), `at most the one table: ${facts.tables}`);
      return { name, ok: true, facts };
    } catch (e) {
      return { name, ok: false, error: errorText(e) };
    }
  }

  // Writes repos through the package: create, two commits (one file past the
  // row limit, which the core must chunk), a fork with a commit of its own,
  // a deleted repo; answers what it wrote and what it read back.
  async e2eWrite() {
    try {
      const storage = new DurableObjectSqliteStorage(this.ctx.storage);
      const artifacts = createArtifacts({ storage, ...E2E_OPTIONS });
      const report = {};
      report.created = await artifacts.create('origin', { description: 'kept in a Durable Object' });
      await artifacts.create('gone');
      using origin = await artifacts.get('origin');
      const big = noise(BIG_FILE_BYTES, 0x9e3779b9);
      report.bigSha256 = await sha256(big);
      report.first = await origin.commit({
        message: 'first',
        author: AUTHOR,
        files: [
          { path: 'README.md', content: '# kept\n' },
          { path: 'src/\u00e9t\u00e9.txt', content: 'summer \u{1F600}\n' },
        ],
      });
      report.second = await origin.commit({
        message: 'second',
        author: { ...AUTHOR, date: AUTHOR.date + 60 },
        files: [
          { path: 'src/\u00e9t\u00e9.txt', content: 'autumn\n' },
          { path: 'data/big.bin', content: big },
        ],
      });
      report.forked = await origin.fork('copy', { description: 'a fork' });
      using copy = await artifacts.get('copy');
      report.forkCommit = await copy.commit({ message: 'only in the fork', author: { ...AUTHOR, date: AUTHOR.date + 120 }, files: [{ path: 'fork.txt', content: 'mine\n' }] });
      report.deleted = await artifacts.delete('gone');
      report.read = await readBack(artifacts);
      report.snapshot = await snapshotDigest(storage);
      report.facts = this.#sqlFacts();
      report.sharesRepoStorage = storage.sharesRepoStorage;
      return report;
    } catch (e) {
      return { crash: errorText(e) };
    }
  }

  // The same reads on a fresh adapter and core (after a restart: a new process).
  async e2eRead() {
    try {
      const storage = new DurableObjectSqliteStorage(this.ctx.storage);
      const artifacts = createArtifacts({ storage, ...E2E_OPTIONS });
      return { read: await readBack(artifacts), snapshot: await snapshotDigest(storage), facts: this.#sqlFacts() };
    } catch (e) {
      return { crash: errorText(e) };
    }
  }

  // A row past the limit is refused before anything of its batch is written;
  // a row at the limit is stored. Rows count the full key in UTF-8 bytes.
  async rowLimit() {
    const report = {};
    const tryBatch = (handle, ops) => {
      try {
        return { result: handle.batch(ops) };
      } catch (e) {
        return { name: e?.name, message: String(e?.message ?? e) };
      }
    };
    try {
      const storage = new DurableObjectSqliteStorage(this.ctx.storage);
      const repo = storage.repo('r');
      repo.batch([{ type: 'put', key: 'existing', value: new Uint8Array([1]) }]);
      const before = JSON.stringify(storage.snapshot());
      const fullKeyBytes = (key) => new TextEncoder().encode(`repo/r/${key}`).length;
      report.maxRowBytes = MAX_ROW_BYTES;

      report.over = tryBatch(repo, [
        { type: 'put', key: 'small', value: new Uint8Array([2]) },
        { type: 'delete', key: 'existing' },
        { type: 'put', key: 'big', value: new Uint8Array(MAX_ROW_BYTES + 1 - fullKeyBytes('big')) },
      ]);
      report.overUnchanged = JSON.stringify(storage.snapshot()) === before;

      // 12 UTF-16 units, 24 UTF-8 bytes: the limit counts the bytes.
      const wideKey = '\u00e9'.repeat(12);
      report.wideKeyUnits = `repo/r/${wideKey}`.length;
      report.overWide = tryBatch(repo, [{ type: 'put', key: wideKey, value: new Uint8Array(MAX_ROW_BYTES + 1 - fullKeyBytes(wideKey)) }]);
      report.overWideUnchanged = JSON.stringify(storage.snapshot()) === before;

      report.atLimit = tryBatch(repo, [{ type: 'put', key: wideKey, value: new Uint8Array(MAX_ROW_BYTES - fullKeyBytes(wideKey)).fill(7) }]);
      report.atLimitRead = repo.get(wideKey)?.length ?? null;
      report.facts = this.#sqlFacts();

      // The runtime itself takes the row the adapter refused (local workerd
      // does not enforce the production limit): the adapter's guard is what threw.
      const sql = this.ctx.storage.sql;
      sql.exec('INSERT INTO kv (key, value) VALUES (?, ?)', 'raw/over', new Uint8Array(MAX_ROW_BYTES + 1));
      report.rawRowBytes = sql.exec('SELECT length(value) AS n FROM kv WHERE key = ?', 'raw/over').one().n;
      sql.exec('DELETE FROM kv WHERE key = ?', 'raw/over');
      return report;
    } catch (e) {
      return { ...report, crash: errorText(e) };
    }
  }
}

// What the repos hold, read through the package.
async function readBack(artifacts) {
  const out = {};
  const list = await artifacts.list({ limit: 10 });
  out.list = list.repos.map((r) => ({ name: r.name, id: r.id, description: r.description, source: r.source, status: r.status }));
  out.total = list.total;
  for (const name of ['origin', 'copy']) {
    using repo = await artifacts.get(name);
    const log = await repo.log();
    const readText = async (path) => {
      const blob = await repo.readFile({ ref: 'HEAD', path });
      return blob === null ? null : await blob.text();
    };
    const bigBlob = await repo.readFile({ ref: 'HEAD', path: 'data/big.bin' });
    out[name] = {
      info: await repo.info(),
      log: log.map((c) => ({ hash: c.hash, message: c.message, parents: c.parents })),
      readme: await readText('README.md'),
      summer: await readText('src/\u00e9t\u00e9.txt'),
      forkFile: await readText('fork.txt'),
      firstSummer: await (await repo.readFile({ ref: log.at(-1).hash, path: 'src/\u00e9t\u00e9.txt' })).text(),
      bigSize: bigBlob?.size ?? null,
      bigSha256: bigBlob ? await sha256(await bigBlob.arrayBuffer()) : null,
    };
  }
  try {
    await artifacts.get('gone');
    out.gone = 'found';
  } catch (e) {
    out.gone = e.code;
  }
  return out;
}

async function snapshotDigest(storage) {
  const rows = storage.snapshot();
  return { rows: rows.length, sha256: await sha256(new TextEncoder().encode(JSON.stringify(rows))) };
}

export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    const object = (name) => env.STORE.get(env.STORE.idFromName(name));
    try {
      if (pathname === '/contract') {
        // Every case in a Durable Object of its own, one after another.
        const names = storageContractCaseNames();
        const results = [];
        for (const name of names) results.push(await object(name).runCase(name));
        return Response.json({ names, results });
      }
      if (pathname === '/e2e/write') return Response.json(await object('e2e').e2eWrite());
      if (pathname === '/e2e/read') return Response.json(await object('e2e').e2eRead());
      if (pathname === '/row-limit') return Response.json(await object('row-limit').rowLimit());
      return new Response('not found', { status: 404 });
    } catch (e) {
      return Response.json({ crash: errorText(e) }, { status: 500 });
    }
  },
};
