// A wasm trap (a core bug) must surface as INTERNAL_ERROR and the next call
// must run on a fresh instance, not on the trapped one's memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createArtifactsWith } from '../../js/src/artifacts.js';
import { ArtifactsError, MemoryStorage, loadCore as loadRealCore } from 'open-artifacts';

// The stand-in cores publish the real core's error table, as every core does.
const errorTable = (await loadRealCore()).errorCodes();
const errorCodes = () => errorTable;

test('a trap rejects with INTERNAL_ERROR and the next call gets a fresh core', async () => {
  const loads = [];
  let instance = 0;
  const loadCore = async ({ fresh = false } = {}) => {
    loads.push(fresh);
    const id = ++instance;
    return {
      errorCodes,
      Namespace: class {
        call(method) {
          if (id === 1) throw new WebAssembly.RuntimeError('memory access out of bounds');
          return JSON.stringify({ instance: id, method });
        }
      },
    };
  };
  const artifacts = createArtifactsWith(loadCore, { storage: new MemoryStorage() });
  await assert.rejects(artifacts.list(), (e) => {
    assert.ok(e instanceof ArtifactsError);
    assert.equal(e.code, 'INTERNAL_ERROR');
    assert.equal(e.numericCode, 10400);
    assert.match(e.message, /memory access out of bounds/);
    return true;
  });
  assert.deepEqual(await artifacts.list(), { instance: 2, method: 'list' });
  assert.deepEqual(await artifacts.list(), { instance: 2, method: 'list' }, 'the fresh core is kept');
  assert.deepEqual(loads, [false, true]);
});

test('ordinary errors do not replace the core', async () => {
  const loads = [];
  const loadCore = async ({ fresh = false } = {}) => {
    loads.push(fresh);
    return {
      errorCodes,
      Namespace: class {
        call() {
          throw new ArtifactsError('NOT_FOUND', 10200, 'Repository not found', undefined, 404);
        }
      },
    };
  };
  const artifacts = createArtifactsWith(loadCore, { storage: new MemoryStorage() });
  await assert.rejects(artifacts.delete('x'), { code: 'NOT_FOUND' });
  await assert.rejects(artifacts.delete('x'), { code: 'NOT_FOUND' });
  assert.deepEqual(loads, [false]);
});

test('a trap in one namespace moves every namespace on that core to the fresh instance, loaded once', async () => {
  const loads = [];
  let instance = 0;
  let trapNext = false;
  const loadCore = async ({ fresh = false } = {}) => {
    loads.push(fresh);
    if (fresh || instance === 0) instance += 1;
    const id = instance;
    return {
      errorCodes,
      Namespace: class {
        call(method) {
          if (trapNext && id === 1) throw new WebAssembly.RuntimeError('unreachable');
          return JSON.stringify({ instance: id, method });
        }
      },
    };
  };
  // The namespaces of one server: one loadCore, one wasm instance.
  const a = createArtifactsWith(loadCore, { storage: new MemoryStorage(), namespace: 'aa' });
  const b = createArtifactsWith(loadCore, { storage: new MemoryStorage(), namespace: 'bb' });
  assert.equal((await a.list()).instance, 1);
  assert.equal((await b.list()).instance, 1);
  trapNext = true;
  await assert.rejects(a.list(), { code: 'INTERNAL_ERROR' });
  assert.equal((await b.list()).instance, 2, 'the other namespace left the trapped instance too');
  assert.equal((await a.list()).instance, 2);
  assert.deepEqual(loads, [false, false, true, false], 'one fresh instance for both');
});
