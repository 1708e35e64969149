// Durable storage in a Cloudflare Durable Object: the storage contract of
// js/index.d.ts over one table of the object's own SQLite database
// (`ctx.storage.sql`), as SqliteStorage is over one file in Node. The registry
// of each namespace and each repo are prefixes of that table
// (prefixed-store.js), and a batch is one `ctx.storage.transactionSync`.
//
// It needs nothing of the Workers runtime but the `ctx.storage` it is given
// (`.sql.exec` and `.transactionSync`), so it imports nothing from
// `cloudflare:workers`. The Durable Object class must have SQLite enabled
// (`new_sqlite_classes` in wrangler's migrations; `enableSql = true` in a
// workerd config).
import { prefixUpperBound } from './key-order.js';
import { PrefixedStorage, expectationsHold } from './prefixed-store.js';

// Cloudflare's documented limit for one row (and one string or BLOB) of a
// Durable Object's SQLite database in production. Local workerd does not
// enforce it (it stores rows of several MiB), so the adapter does: a row
// over it throws before anything of its batch is written. The core keeps
// values of at most 1 MiB per row (core/base/chunked_store.h), so only a bug
// gets here.
export const MAX_ROW_BYTES = 2_000_000;

// The statements, each with at most 4 bound parameters and a short constant
// text (the limits are 100 parameters and 100 KB of SQL per statement).
const CREATE = 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)';
const TABLE_EXISTS = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'";
const SELECT = 'SELECT value FROM kv WHERE key = ?';
const SCAN_BOUNDED = 'SELECT key, value FROM kv WHERE key >= ? AND key > ? AND key < ? ORDER BY key LIMIT ?';
const SCAN_OPEN = 'SELECT key, value FROM kv WHERE key >= ? AND key > ? ORDER BY key LIMIT ?';
const UPSERT = 'INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
const DELETE = 'DELETE FROM kv WHERE key = ?';

// The UTF-8 length of a well-formed string, without encoding it.
function utf8Length(text) {
  let n = text.length; // one byte per code unit below 0x80
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x800) n += c >= 0xd800 && c <= 0xdbff ? 1 : 2; // a surrogate pair: 4 bytes for 2 units; BMP: 3 bytes
    else if (c >= 0x80) n += 1;
  }
  return n;
}

// SQLite wants an integer LIMIT (a JS number binds as REAL, which it takes
// when integral); -1 means none. The core may pass SIZE_MAX, tests Infinity.
const sqlLimit = (limit) => (!(limit > 0) ? 0 : limit <= Number.MAX_SAFE_INTEGER ? Math.floor(limit) : -1);

// get/scan/batch over full keys.
// The table is made by the first write: an object that is only ever read
// (a request naming a repo or namespace that does not exist) stores nothing.
function makeRoot(storage) {
  const { sql } = storage;
  let made = false;
  const exists = () => (made ||= sql.exec(TABLE_EXISTS).toArray().length > 0);
  const select = (key) => {
    if (!exists()) return null;
    for (const [value] of sql.exec(SELECT, key).raw()) return new Uint8Array(value); // BLOBs come back as ArrayBuffer
    return null;
  };
  return {
    get: select,
    scan(prefix, after, limit) {
      const n = sqlLimit(limit);
      if (n === 0 || !exists()) return [];
      const upper = prefixUpperBound(prefix);
      const cursor = upper === null ? sql.exec(SCAN_OPEN, prefix, after, n) : sql.exec(SCAN_BOUNDED, prefix, after, upper, n);
      const rows = [];
      for (const [key, value] of cursor.raw()) rows.push([key, new Uint8Array(value)]);
      return rows;
    },
    // One transaction: the expectations are read inside it, before any write,
    // then every op is checked (type, key, value, row size) before the first
    // write, so a refused or malformed batch writes nothing; a SQL error half
    // way rolls back what the ops before it did.
    batch(ops) {
      const applied = storage.transactionSync(() => {
        if (!expectationsHold(select, ops)) return false;
        if (!made) sql.exec(CREATE); // rolled back with the batch if it fails
        for (const op of ops) {
          if (typeof op?.key !== 'string') throw new TypeError('storage key must be a string');
          if (op.type === 'put') {
            if (!(op.value instanceof Uint8Array)) throw new TypeError('storage value must be a Uint8Array');
            const rowBytes = utf8Length(op.key) + op.value.byteLength;
            if (rowBytes > MAX_ROW_BYTES) {
              throw new RangeError(
                `storage row too large for a Durable Object: key ${JSON.stringify(op.key.slice(0, 200))} and its value are ${rowBytes} bytes, over the ${MAX_ROW_BYTES}-byte row limit`,
              );
            }
          } else if (op.type !== 'delete' && op.type !== 'expect') {
            throw new TypeError(`unknown storage op ${op.type}`);
          }
        }
        for (const op of ops) {
          if (op.type === 'put') sql.exec(UPSERT, op.key, op.value);
          else if (op.type === 'delete') sql.exec(DELETE, op.key);
        }
        return true;
      });
      if (applied) made = true;
      return applied;
    },
    copiesValues: true, // sql.exec binds a copy of each value
  };
}

export class DurableObjectSqliteStorage extends PrefixedStorage {
  // `storage`: a Durable Object's `ctx.storage` (SQLite-backed); every handle
  // reads and writes it at once.
  constructor(storage) {
    if (typeof storage?.sql?.exec !== 'function' || typeof storage.transactionSync !== 'function') {
      throw new TypeError('DurableObjectSqliteStorage needs a SQLite-backed Durable Object\'s ctx.storage (with .sql and .transactionSync)');
    }
    super(makeRoot(storage));
  }
}
