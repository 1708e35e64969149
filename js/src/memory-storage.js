// In-memory storage for tests, browsers and throwaway servers: a Map of
// values plus the keys in order (a B+tree, sorted-key-set.js), behind the
// storage contract of js/index.d.ts. Keys sort bytewise as UTF-8 (key-order.js),
// as in the core and SqliteStorage.
import { compareKeys } from './key-order.js';
import { PrefixedStorage, withExpectations } from './prefixed-store.js';
import { SortedKeySet } from './sorted-key-set.js';

class SortedMap {
  #keys = new SortedKeySet();
  #values = new Map();

  get(key) {
    return this.#values.get(key) ?? null;
  }

  // Entries with `prefix` whose keys sort strictly after `after` ("" = none), at most `limit`.
  scan(prefix, after, limit) {
    const out = [];
    if (!(limit > 0)) return out;
    const fromAfter = after !== '' && compareKeys(after, prefix) >= 0;
    for (const key of this.#keys.keysFrom(fromAfter ? after : prefix)) {
      if (fromAfter && key === after) continue;
      if (!key.startsWith(prefix)) break; // keys with one prefix are contiguous in any lexicographic order
      out.push([key, this.#values.get(key)]);
      if (out.length >= limit) break;
    }
    return out;
  }

  batch(ops) {
    // Validate first so a bad op leaves the map untouched (all-or-nothing).
    for (const op of ops) {
      if (typeof op.key !== 'string') throw new TypeError('storage key must be a string');
      if (op.type === 'put' && !(op.value instanceof Uint8Array)) throw new TypeError('storage value must be a Uint8Array');
      if (op.type !== 'put' && op.type !== 'delete') throw new TypeError(`unknown storage op ${op.type}`);
    }
    for (const op of ops) {
      if (op.type === 'put') {
        if (!this.#values.has(op.key)) this.#keys.add(op.key);
        this.#values.set(op.key, op.value);
      } else if (this.#values.delete(op.key)) {
        this.#keys.delete(op.key);
      }
    }
  }

  get size() {
    return this.#values.size;
  }
}

export class MemoryStorage extends PrefixedStorage {
  constructor() {
    super(withExpectations(new SortedMap()));
  }
}
