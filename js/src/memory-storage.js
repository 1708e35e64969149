// In-memory storage for tests, browsers and throwaway servers: a sorted key
// list plus a Map, behind the storage contract of storage.d.ts.
import { PrefixedStorage, withExpectations } from './prefixed-store.js';

class SortedMap {
  #keys = [];
  #values = new Map();

  // Index of the first key >= key (keys are ASCII, so JS ordering is bytewise).
  #lowerBound(key) {
    let lo = 0;
    let hi = this.#keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key) {
    return this.#values.get(key) ?? null;
  }

  scan(prefix, after, limit) {
    const out = [];
    let i = after && after >= prefix ? this.#lowerBound(after) : this.#lowerBound(prefix);
    if (after && this.#keys[i] === after) i++;
    for (; i < this.#keys.length && out.length < limit; i++) {
      const key = this.#keys[i];
      if (!key.startsWith(prefix)) break;
      out.push([key, this.#values.get(key)]);
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
      const exists = this.#values.has(op.key);
      if (op.type === 'put') {
        if (!exists) this.#keys.splice(this.#lowerBound(op.key), 0, op.key);
        this.#values.set(op.key, op.value);
      } else if (exists) {
        this.#keys.splice(this.#lowerBound(op.key), 1);
        this.#values.delete(op.key);
      }
    }
  }

  get size() {
    return this.#keys.length;
  }
}

export class MemoryStorage extends PrefixedStorage {
  constructor() {
    super(withExpectations(new SortedMap()));
  }
}
