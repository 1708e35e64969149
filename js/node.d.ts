// Types of the open-artifacts package in Node: everything of index.d.ts, plus
// the SQLite storage only Node has.
export * from "./index.js";
import type { ArtifactsStorage, StorageHandle } from "./index.js";

/**
 * Durable storage in one SQLite file (better-sqlite3, WAL, synchronous=FULL). Node entry point only.
 * `pathOrDir` is the database file, or a directory (existing, or ending in "/") that holds `artifacts.sqlite`.
 * better-sqlite3 is an optional dependency, loaded at the first construction: without it (or
 * without its native module) the constructor throws an Error with code `ERR_OA_SQLITE_UNAVAILABLE`
 * that says what to install or rebuild.
 */
export declare class SqliteStorage implements ArtifactsStorage {
  constructor(pathOrDir: string);
  /** The database file in use. */
  readonly path: string;
  /** False once closed. */
  readonly open: boolean;
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
  /** The id of every repo store (for sweep()). */
  repoIds(): string[];
  /** The name of every namespace registry, sorted. */
  namespaceNames(): string[];
  /** Every stored row in key order, values as comma-joined bytes. */
  snapshot(): Array<[string, string]>;
  /** Closes the database (idempotent); handles throw afterwards. */
  close(): void;
}
