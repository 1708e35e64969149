// A host's own storage written against the contract's types (js/index.d.ts):
// every op type is handled, and a refused conditional batch returns false.
import { createArtifacts, type ArtifactsStorage, type StorageHandle, type StorageOp } from "open-artifacts";

function mapHandle(rows: Map<string, Uint8Array>): StorageHandle {
  const holds = (op: StorageOp): boolean => {
    if (op.type !== "expect") return true;
    const current = rows.get(op.key) ?? null;
    if (op.value === null || current === null) return op.value === current;
    return current.length === op.value.length && current.every((b, i) => b === (op.value as Uint8Array)[i]);
  };
  return {
    get: (key) => rows.get(key) ?? null,
    scan: (prefix, after, limit) =>
      [...rows.entries()]
        .filter(([k]) => k.startsWith(prefix) && k > after)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .slice(0, limit),
    batch(ops: StorageOp[]): boolean {
      if (!ops.every(holds)) return false;
      for (const op of ops) {
        switch (op.type) {
          case "put": rows.set(op.key, op.value); break;
          case "delete": rows.delete(op.key); break;
          case "expect": break;
        }
      }
      return true;
    },
  };
}

const handles = new Map<string, StorageHandle>();
const open = (name: string) => handles.get(name) ?? handles.set(name, mapHandle(new Map())).get(name)!;
const storage: ArtifactsStorage = { registry: (ns) => open(`ns/${ns}`), repo: (id) => open(`repo/${id}`) };
void createArtifacts({ storage });
