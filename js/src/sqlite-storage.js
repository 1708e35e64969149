// Durable storage for Node: the storage contract of js/index.d.ts over one
// SQLite file (better-sqlite3), one ordered table of all keys. The registry of
// each namespace and each repo are prefixes of it (prefixed-store.js), and a
// batch is one transaction. WAL with synchronous=FULL: a batch that returned
// is on disk, even across a power cut.
import { mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { prefixUpperBound } from './key-order.js';
import { PrefixedStorage, expectationsHold } from './prefixed-store.js';

// better-sqlite3 is an optional dependency (Workers and browsers need no
// native build), loaded synchronously on first use: the package imports (and
// MemoryStorage works) without it, and SqliteStorage says what to install.
const require = createRequire(import.meta.url);
let Database;

const UNAVAILABLE = 'ERR_OA_SQLITE_UNAVAILABLE';
function sqliteUnavailable(message, cause) {
  const error = new Error(`SqliteStorage: ${message}`, { cause });
  error.code = UNAVAILABLE;
  return error;
}

function loadDatabaseClass() {
  if (Database) return Database;
  try {
    Database = require('better-sqlite3');
  } catch (e) {
    if (e?.code !== 'MODULE_NOT_FOUND') throw e;
    throw sqliteUnavailable(
      'needs the optional dependency better-sqlite3, which is not installed: run `npm install better-sqlite3` ' +
        '(MemoryStorage, and the Workers and browser entry points, need no native module)',
      e,
    );
  }
  return Database;
}

// better-sqlite3 loads its native module at the first `new Database()`: when
// the module was never built (its install script blocked or failed) or was
// built for another Node, say how to build it.
function newDatabase(path) {
  const DatabaseClass = loadDatabaseClass();
  try {
    return new DatabaseClass(path);
  } catch (e) {
    if (!/bindings file|NODE_MODULE_VERSION|better_sqlite3\.node/.test(String(e?.message))) throw e;
    throw sqliteUnavailable(
      'better-sqlite3 is installed but its native module does not load (its install script did not run, failed, or ' +
        'built it for another Node version): run `npm rebuild better-sqlite3` (where npm blocks dependency install ' +
        'scripts, approve it first: `npm install-scripts approve better-sqlite3`; the build needs python3, make and ' +
        `a C++ compiler). ${String(e.message).split('\n')[0]}`,
      e,
    );
  }
}

export const SQLITE_FILE_NAME = 'artifacts.sqlite';

// A directory (existing, or written with a trailing slash) holds artifacts.sqlite;
// anything else is the database file itself (its directory is created).
function resolveDatabasePath(pathOrDir) {
  if (typeof pathOrDir !== 'string' || pathOrDir === '') throw new TypeError('SqliteStorage needs a file or directory path');
  if (pathOrDir === ':memory:') return pathOrDir;
  let isDir = /[/\\]$/.test(pathOrDir);
  try {
    isDir ||= statSync(pathOrDir).isDirectory();
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  const file = isDir ? join(pathOrDir, SQLITE_FILE_NAME) : pathOrDir;
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

// Opens (creating if needed) the database with the settings the contract needs.
function openDatabase(path) {
  const db = newDatabase(path);
  try {
    // 16 KiB pages (a new file only; before WAL, which fixes the size): git objects are
    // 100 B-1 MiB, and with 4 KiB pages a push of the large benchmark repo took 1 s more
    // server CPU (13.5 -> 12.5 s) and its first clone 0.7 s more; 64 KiB slowed clones.
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('cache_size = -8192'); // 8 MiB of pages (the default 2 MiB thrashes on clones)
    db.pragma('busy_timeout = 5000'); // another process (a second server, a backup) may hold the lock briefly
    // A rowid table, not WITHOUT ROWID: values are git objects up to 1 MiB,
    // and WITHOUT ROWID keeps whole rows in the key's B-tree, which SQLite's
    // docs advise against for rows over ~1/20 of a page.
    db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)');
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

export class SqliteStorage extends PrefixedStorage {
  #db;
  #endRead;

  constructor(pathOrDir) {
    loadDatabaseClass(); // before the directory is made
    const path = resolveDatabasePath(pathOrDir);
    const db = openDatabase(path);
    const root = makeRoot(db);
    super(root);
    this.path = path;
    this.#db = db;
    this.#endRead = root.endRead;
  }

  get open() {
    return this.#db.open;
  }

  // Idempotent; every handle throws afterwards.
  close() {
    this.#endRead();
    if (this.#db.open) this.#db.close();
  }
}

// get/scan/batch over full keys, with prepared statements.
function makeRoot(db) {
  const select = db.prepare('SELECT value FROM kv WHERE key = ?').pluck();
  const scanBounded = db.prepare('SELECT key, value FROM kv WHERE key >= ? AND key > ? AND key < ? ORDER BY key LIMIT ?').raw();
  const scanOpen = db.prepare('SELECT key, value FROM kv WHERE key >= ? AND key > ? ORDER BY key LIMIT ?').raw();
  const upsert = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const remove = db.prepare('DELETE FROM kv WHERE key = ?');

  // Expectations are checked inside the transaction, before any write, and
  // ops are checked as they are applied: a bad one throws and the transaction
  // rolls back whatever the ops before it did.
  const applyBatch = db.transaction((ops) => {
    if (!expectationsHold((key) => select.get(key), ops)) return false;
    for (const op of ops) {
      if (typeof op?.key !== 'string') throw new TypeError('storage key must be a string');
      if (op.type === 'put') {
        if (!(op.value instanceof Uint8Array)) throw new TypeError('storage value must be a Uint8Array');
        upsert.run(op.key, op.value);
      } else if (op.type === 'delete') {
        remove.run(op.key);
      } else if (op.type !== 'expect') {
        throw new TypeError(`unknown storage op ${op.type}`);
      }
    }
    return true;
  });

  // Reads share one read transaction per burst of synchronous calls (a clone
  // makes tens of thousands): an autocommit SELECT in WAL mode costs a lock
  // round trip of syscalls each time (measured here: 21 us vs 5 us a get). The
  // transaction ends at the next turn of the event loop, and before any write,
  // so a batch still commits durably on its own before batch() returns.
  let reading = false;
  const endRead = () => {
    if (!reading) return;
    reading = false;
    if (db.open && db.inTransaction) db.exec('COMMIT');
  };
  const beginRead = () => {
    if (reading || db.inTransaction) return;
    db.exec('BEGIN');
    reading = true;
    setImmediate(endRead);
  };

  return {
    // Buffers are Uint8Arrays, which is all the core asks of a value.
    get: (key) => {
      beginRead();
      return select.get(key) ?? null;
    },
    scan(prefix, after, limit) {
      beginRead();
      // SQLite wants an integer LIMIT; -1 means none (the core may pass SIZE_MAX).
      const n = !(limit > 0) ? 0 : limit <= Number.MAX_SAFE_INTEGER ? Math.floor(limit) : -1;
      const upper = prefixUpperBound(prefix);
      return upper === null ? scanOpen.all(prefix, after, n) : scanBounded.all(prefix, after, upper, n);
    },
    batch: (ops) => {
      endRead();
      // IMMEDIATE takes the write lock before the expectations are read, so
      // another process cannot write between the check and the writes.
      return applyBatch.immediate(ops);
    },
    copiesValues: true, // better-sqlite3 binds a copy of each value
    endRead,
  };
}
