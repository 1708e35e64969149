// Shared helpers for the node:test suites.
import assert from 'node:assert/strict';
import { createArtifacts, MemoryStorage, ArtifactsError } from 'open-artifacts';

// A clock the test moves by hand, with real randomness.
export function manualHost(startMs = Date.UTC(2026, 4, 18, 15, 53, 46, 833)) {
  let now = startMs;
  return {
    now: () => now,
    randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
    advance: (ms) => {
      now += ms;
    },
  };
}

export function freshNamespace(options = {}) {
  const storage = new MemoryStorage();
  const host = options.host ?? manualHost();
  const artifacts = createArtifacts({ storage, namespace: 'default', baseUrl: 'http://127.0.0.1:8788', host, ...options });
  return { storage, host, artifacts };
}

// Asserts `promise` rejects with an ArtifactsError of `code` and that storage is unchanged.
export async function assertRejectsUnchanged(storage, makePromise, code, numericCode, label = '') {
  const before = JSON.stringify(storage.snapshot());
  await assert.rejects(makePromise(), (e) => {
    assert.ok(e instanceof ArtifactsError, `expected ArtifactsError, got ${e?.stack ?? e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'ArtifactsError');
    assert.equal(e.code, code, `${label}: ${e.message}`);
    if (numericCode !== undefined) assert.equal(e.numericCode, numericCode);
    assert.equal(typeof e.message, 'string');
    assert.ok(e.message.length > 0);
    return true;
  }, label);
  assert.equal(JSON.stringify(storage.snapshot()), before, `${label}: a rejected call must change nothing`);
}
