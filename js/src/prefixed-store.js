// One ordered key-value store shared by many handles: each handle sees only
// the keys under its prefix (the namespace registry, or one repo), which is
// how a single SQLite file or Map serves what Workers keeps in separate
// Durable Objects. `root` offers get/scan/batch over full keys.
export function prefixedStore(root, prefix) {
  return {
    get: (key) => root.get(prefix + key),
    scan: (keyPrefix, after, limit) =>
      root
        .scan(prefix + keyPrefix, after ? prefix + after : '', limit)
        .map(([key, value]) => [key.slice(prefix.length), value]),
    batch: (ops) => root.batch(ops.map((op) => ({ ...op, key: prefix + op.key }))),
  };
}

// Key prefixes of the two kinds of store (DESIGN.md "Storage").
export const registryPrefix = (namespace) => `ns/${namespace}/`;
export const repoPrefix = (repoId) => `repo/${repoId}/`;

// The storage contract over one ordered root store (get/scan/batch on full
// keys): what MemoryStorage and SqliteStorage share.
export class PrefixedStorage {
  #root;

  constructor(root) {
    this.#root = root;
  }

  registry(namespace) {
    return prefixedStore(this.#root, registryPrefix(namespace));
  }

  repo(repoId) {
    return prefixedStore(this.#root, repoPrefix(repoId));
  }

  // Every repo handle reads the same root store synchronously, so a fork can
  // borrow its parent's objects instead of copying them.
  get sharesRepoStorage() {
    return true;
  }

  // Every stored row, in key order, values as comma-joined bytes: for tests
  // that check a rejected call changed nothing.
  snapshot() {
    return this.#root.scan('', '', Infinity).map(([k, v]) => [k, Array.from(v).join(',')]);
  }
}
