// Hand-written types of the open-artifacts package. The object createArtifacts()
// returns is shaped like `Artifacts` from @cloudflare/workers-types (checked by
// tests/types/compat.ts), so code written for env.ARTIFACTS runs against it.

/** One ordered key-value store handle (core/kv_store.h). Keys are ASCII strings. */
export interface StorageHandle {
  get(key: string): Uint8Array | null | undefined;
  /** Entries with `prefix`, keys sorting strictly after `after` ("" = from the start), in key order. */
  scan(prefix: string, after: string, limit: number): Array<[string, Uint8Array]>;
  /** Applies every op or none. */
  batch(ops: Array<{ type: "put"; key: string; value: Uint8Array } | { type: "delete"; key: string }>): void;
}

/** The host storage callback: one handle for the namespace registry, one per repo. */
export interface ArtifactsStorage {
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
}

/** Time and randomness for the core; defaults to Date.now and crypto.getRandomValues. */
export interface ArtifactsHost {
  now(): number;
  randomBytes(n: number): Uint8Array;
}

export interface CreateArtifactsOptions {
  storage: ArtifactsStorage;
  /** Namespace name, 2-63 characters. Default "default". */
  namespace?: string;
  /** Where the git server is reachable; remotes are `<baseUrl>/git/<namespace>/<repo>.git`. */
  baseUrl?: string;
  host?: ArtifactsHost;
}

export type ArtifactsErrorCode =
  | "ALREADY_EXISTS"
  | "NOT_FOUND"
  | "CREATE_IN_PROGRESS"
  | "IMPORT_IN_PROGRESS"
  | "FORK_IN_PROGRESS"
  | "INVALID_INPUT"
  | "INVALID_REPO_NAME"
  | "INVALID_TTL"
  | "INVALID_URL"
  | "REMOTE_AUTH_REQUIRED"
  | "UPSTREAM_UNAVAILABLE"
  | "MEMORY_LIMIT"
  | "INTERNAL_ERROR";

export declare class ArtifactsError extends Error {
  readonly name: "ArtifactsError";
  readonly code: ArtifactsErrorCode;
  readonly numericCode: number;
  /** JSON pointer of the offending input field, e.g. "/name", when known. */
  readonly pointer?: string;
}

export interface RepoInfo {
  id: string;
  name: string;
  description: string | null;
  defaultBranch: string;
  createdAt: string;
  updatedAt: string;
  lastPushAt: string | null;
  source: string | null;
  readOnly: boolean;
  remote: string;
}

export type RepoStatus = "ready" | "creating" | "importing" | "forking";

export interface CreateRepoResult {
  id: string;
  name: string;
  description: string | null;
  defaultBranch: string;
  remote: string;
  /** The initial write token (24 h). */
  token: string;
}

export interface RepoListResult {
  repos: Array<RepoInfo & { status: RepoStatus }>;
  total: number;
  cursor?: string;
}

export interface CreateTokenResult {
  id: string;
  plaintext: string;
  scope: "read" | "write";
  expiresAt: string;
}

export interface TokenInfo {
  id: string;
  scope: "read" | "write";
  state: "active" | "expired" | "revoked";
  createdAt: string;
  expiresAt: string;
}

export interface TokenListResult {
  tokens: TokenInfo[];
  total: number;
}

export interface ArtifactsRepoHandle extends Disposable {
  info(): Promise<RepoInfo>;
  createToken(scope?: "write" | "read", ttl?: number): Promise<CreateTokenResult>;
  listTokens(): Promise<TokenListResult>;
  revokeToken(tokenOrId: string): Promise<boolean>;
}

export interface ArtifactsNamespace {
  create(
    name: string,
    opts?: { readOnly?: boolean; description?: string; setDefaultBranch?: string },
  ): Promise<CreateRepoResult>;
  get(name: string): Promise<ArtifactsRepoHandle>;
  list(opts?: { limit?: number; cursor?: string }): Promise<RepoListResult>;
  delete(name: string): Promise<boolean>;
  /**
   * The git smart-HTTP server: answers a request for `<baseUrl>/git/<namespace>/<repo>.git/...`
   * (clone, fetch, push with protocol v0/v1/v2), streaming both bodies. Routing, auth (401/403)
   * and every protocol rule are the core's; other paths answer 404. Hand it the Request of a
   * Worker's or Node server's fetch handler.
   */
  fetch(request: Request): Promise<Response>;
}

export declare function createArtifacts(options: CreateArtifactsOptions): ArtifactsNamespace;

/** In-memory storage (tests, browsers). */
export declare class MemoryStorage implements ArtifactsStorage {
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
  /** Every stored row in key order, values as comma-joined bytes. */
  snapshot(): Array<[string, string]>;
}

/**
 * Durable storage in one SQLite file (better-sqlite3, WAL, synchronous=FULL). Node entry point only.
 * `pathOrDir` is the database file, or a directory (existing, or ending in "/") that holds `artifacts.sqlite`.
 */
export declare class SqliteStorage implements ArtifactsStorage {
  constructor(pathOrDir: string);
  /** The database file in use. */
  readonly path: string;
  /** False once closed. */
  readonly open: boolean;
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
  /** Every stored row in key order, values as comma-joined bytes. */
  snapshot(): Array<[string, string]>;
  /** Closes the database (idempotent); handles throw afterwards. */
  close(): void;
}
