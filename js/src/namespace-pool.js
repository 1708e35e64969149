// One `Artifacts` object per namespace, for a host that serves every
// namespace of one storage (the Node server: REST and git routes name the
// namespace in the path). Each holds a core instance, so the pool keeps at
// most `max` of them: a request naming yet another namespace closes the
// least recently used one that no request is using. Hostile paths naming
// a million namespaces therefore cost a bounded amount of memory.

const DEFAULT_MAX_NAMESPACES = 64;

// make(name) -> Artifacts object (createArtifactsWith(...) for that namespace).
export function createNamespacePool(make, { max = DEFAULT_MAX_NAMESPACES } = {}) {
  const entries = new Map(); // name -> { artifacts, users }; insertion order = least recently used first

  function evict() {
    for (const [name, entry] of entries) {
      if (entries.size <= max) return;
      if (entry.users > 0) continue;
      entries.delete(name);
      entry.artifacts.close();
    }
  }

  // The namespace's object, held until release() (call it once the request,
  // its response body included, is over).
  function acquire(name) {
    let entry = entries.get(name);
    if (entry) entries.delete(name); // re-inserted below: most recently used
    else entry = { artifacts: make(name), users: 0 };
    entries.set(name, entry);
    entry.users += 1;
    evict();
    let released = false;
    return {
      artifacts: entry.artifacts,
      release() {
        if (released) return;
        released = true;
        entry.users -= 1;
        evict();
      },
    };
  }

  // Runs fn(artifacts) holding the namespace for its duration.
  async function use(name, fn) {
    const held = acquire(name);
    try {
      return await fn(held.artifacts);
    } finally {
      held.release();
    }
  }

  return {
    acquire,
    use,
    get size() {
      return entries.size;
    },
    async closeAll() {
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map((e) => e.artifacts.close()));
    },
  };
}
