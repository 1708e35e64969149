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
