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
    // Returns false (nothing written) when an 'expect' op does not hold.
    batch: (ops) => root.batch(ops.map((op) => ({ ...op, key: prefix + op.key }))),
    copiesValues: root.copiesValues === true,
  };
}

// The contract's conditional op: a batch holding { type: 'expect', key, value }
// applies only if every such key holds exactly `value` (null: is absent), as
// the store was before the batch's writes; otherwise it writes nothing and
// returns false. True when every expectation of `ops` holds, reading with
// `get(key)`: a root calls it where no other writer can come between the
// check and its writes (inside its transaction, or synchronously).
export function expectationsHold(get, ops) {
  for (const op of ops) {
    if (op?.type !== 'expect') continue;
    if (typeof op.key !== 'string') throw new TypeError('storage key must be a string');
    if (op.value !== null && !(op.value instanceof Uint8Array)) throw new TypeError('expected value must be a Uint8Array or null');
    const current = get(op.key) ?? null;
    if (op.value === null ? current !== null : current === null || !sameBytes(current, op.value)) return false;
  }
  return true;
}

function sameBytes(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// Adds expectations to an in-memory root whose batch knows only put and
// delete: JS runs one batch at a time and the root's batch is synchronous, so
// nothing can write between the check and the batch.
export function withExpectations(root) {
  return {
    get: (key) => root.get(key),
    scan: (prefix, after, limit) => root.scan(prefix, after, limit),
    batch(ops) {
      if (!expectationsHold((key) => root.get(key), ops)) return false;
      root.batch(ops.filter((op) => op?.type !== 'expect'));
      return true;
    },
  };
}

// Key prefixes of the two kinds of store (DESIGN.md "Storage").
const REGISTRY_ROOT = 'ns/';
export const registryPrefix = (namespace) => `${REGISTRY_ROOT}${namespace}/`;
const REPO_ROOT = 'repo/';
export const repoPrefix = (repoId) => `${REPO_ROOT}${repoId}/`;

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

  // The id of every repo store there is: the core's sweep removes those no
  // registry names (core/artifacts/artifacts_service.h).
  repoIds() {
    return this.#storeNames(REPO_ROOT);
  }

  // The name of every namespace registry there is, in order (the REST
  // namespace list; a namespace deleted since may still leave a registry).
  namespaceNames() {
    return this.#storeNames(REGISTRY_ROOT);
  }

  // The distinct <name> of keys "<root><name>/...", one skip-scan each. Names
  // hold no "/" (ids, namespace names), and '0' sorts right after '/': the
  // scan resumes past every key of the name just seen.
  #storeNames(root) {
    const names = [];
    let after = '';
    for (;;) {
      const [row] = this.#root.scan(root, after, 1);
      if (!row) return names;
      const name = row[0].slice(root.length, row[0].indexOf('/', root.length));
      names.push(name);
      after = `${root}${name}0`;
    }
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
