// Hand-written types of the open-artifacts package, as every runtime sees it
// (browsers, Workers); Node adds SqliteStorage (node.d.ts). The object createArtifacts()
// returns is shaped like `Artifacts` from @cloudflare/workers-types (checked by
// tests/types/compat.ts), so code written for env.ARTIFACTS runs against it.

/** One ordered key-value store handle (core/kv_store.h). Keys are well-formed UTF-8 strings, ordered bytewise as UTF-8 (code point order: not JS `<`, which differs for astral characters). */
export interface StorageHandle {
  get(key: string): Uint8Array | null | undefined;
  /** Entries with `prefix`, keys sorting strictly after `after` ("" = from the start), in key order. */
  scan(prefix: string, after: string, limit: number): Array<[string, Uint8Array]>;
  /**
   * Applies every op or none. `expect` ops make the batch conditional: it applies only if each
   * such key holds exactly `value` (`null`: is absent), checked atomically with the writes against
   * the store as it was before them (several processes may share the store). When one does not
   * hold, nothing is written and batch returns `false`; any other return means applied.
   */
  batch(ops: StorageOp[]): boolean | void;
  /**
   * True: batch() copies every value before it returns and keeps no reference to any op's
   * Uint8Array (a SQL store binding them). The core then hands values as views of its own memory,
   * valid only during the call, instead of a fresh copy of each: a push writes its whole pack
   * through batch(), and those copies were tens of MB of garbage. Leave unset when in doubt.
   */
  readonly copiesValues?: boolean;
}

/** One op of a storage batch. */
export type StorageOp =
  | { type: "put"; key: string; value: Uint8Array }
  | { type: "delete"; key: string }
  | { type: "expect"; key: string; value: Uint8Array | null };

/** The host storage callback: one handle for the namespace registry, one per repo. */
export interface ArtifactsStorage {
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
  /** The id of every repo store, for sweep(). Optional: without it nothing is swept. */
  repoIds?(): string[];
  /** The name of every namespace registry, sorted (the REST namespace list). Optional. */
  namespaceNames?(): string[];
  /**
   * True when every repo handle reads one backing store synchronously (as
   * MemoryStorage and SqliteStorage): forks then borrow their parent's objects
   * instead of copying them. Leave unset for stores in separate places (a
   * Durable Object per repo).
   */
  readonly sharesRepoStorage?: boolean;
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
  /**
   * How import() reaches remotes (redirects are not followed). Default in Node: node:http/https
   * that resolves names itself and, unless `allowPrivateImport`, refuses to connect to any
   * non-public address, checked for every connection (DNS rebinding); elsewhere the global
   * fetch. A fetch given here replaces that check: only the literal-address rule then applies.
   */
  fetch?: (req: Request) => Promise<Response>;
  /** Lets import() read plain http:// sources (local tests). Default false: HTTPS only. */
  allowHttpImport?: boolean;
  /**
   * Lets import() reach loopback, private, link-local, CGNAT, unique-local and cloud-metadata
   * addresses and `localhost` names (local use). Default false: such sources are INVALID_URL,
   * and a connection failure reads the same whatever the port (no port probing).
   */
  allowPrivateImport?: boolean;
  /**
   * Browser and Web Worker entry only: where the core's wasm file is served (it must be served
   * as `application/wasm`). Default: `../dist/open_artifacts_core.wasm` next to the package's
   * module, which webpack 5, Vite and Parcel copy for you; with esbuild, import
   * `open-artifacts/core.wasm` with the `file` loader and pass the URL it gives.
   */
  wasmUrl?: string | URL;
  /** Size limits; past them pushes and imports fail with MEMORY_LIMIT (HTTP 413). */
  limits?: {
    /** Stored object bytes per repo. Default 1 GiB (the real service's per-repo limit). */
    maxRepoBytes?: number;
    /** One pushed or imported pack. Default 1 GiB. */
    maxPackBytes?: number;
  };
  /**
   * Receives every repo event (`cf.artifacts.repo.*`, spec §9.1) in the Queues envelope, after
   * the operation that made it: delivered asynchronously, so a slow, throwing or rejecting
   * callback never delays or fails the operation (its first failure is logged with
   * console.error). Without it, events are discarded.
   */
  onEvent?: (event: ArtifactsEvent) => void | Promise<void>;
  /** `metadata.accountId` of every event. Default "local". */
  accountId?: string;
  /** `metadata.eventSubscriptionId` of every event. Default: 32 random hex digits per createArtifacts(). */
  eventSubscriptionId?: string;
}

// ---- Repo events (spec §9.1), as a Queues consumer receives them.

/** The fields of created, deleted, and (with more) forked and imported. */
export interface ArtifactsRepoEventFields {
  repoId: string;
  defaultBranch: string;
  description: string | null;
  readOnly: boolean;
  /** ISO 8601 UTC with milliseconds, as every timestamp here. */
  createdAt: string;
  updatedAt: string;
  lastPushAt: string | null;
}

export interface ArtifactsPushedCommit {
  id: string;
  /** One trailing newline removed; cut at 4,096 characters (UTF-16 code units) when messageTruncated. */
  message: string;
  messageTruncated: boolean;
  /** The committer time. */
  timestamp: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
  parents: string[];
}

export interface ArtifactsPushedPayload {
  ref: string;
  /** 40 zeros for a new ref. */
  before: string;
  /** 40 zeros for a deletion; an annotated tag's tag object id. */
  after: string;
  /** First-parent walk from `after`, newest first, stopping at `before`; at most 20; [] for non-branch refs and deletions. */
  commits: ArtifactsPushedCommit[];
  /** Counts up to 21. */
  totalCommitsCount: number;
  /** True when more than 20 commits were new. */
  commitsTruncated: boolean;
}

export interface ArtifactsEventPayloads {
  "cf.artifacts.repo.created": ArtifactsRepoEventFields;
  "cf.artifacts.repo.deleted": ArtifactsRepoEventFields;
  /** The new repo; the event's source is its parent. */
  "cf.artifacts.repo.forked": ArtifactsRepoEventFields & { namespace: string; repoName: string };
  /** `branch`: the branch imported, or the default branch when none was asked for. */
  "cf.artifacts.repo.imported": ArtifactsRepoEventFields & { sourceUrl: string; branch: string };
  "cf.artifacts.repo.pushed": ArtifactsPushedPayload;
  "cf.artifacts.repo.cloned": Record<string, never>;
  "cf.artifacts.repo.fetched": Record<string, never>;
  "cf.artifacts.repo.token.created": { tokenId: string; scope: "read" | "write"; expiresAt: string };
  "cf.artifacts.repo.token.revoked": { tokenId: string };
}

export type ArtifactsEventType = keyof ArtifactsEventPayloads;

type ArtifactsAccountEventType =
  | "cf.artifacts.repo.created"
  | "cf.artifacts.repo.deleted"
  | "cf.artifacts.repo.forked"
  | "cf.artifacts.repo.imported";

/** One event in the Queues envelope; `type` narrows `source.type` and `payload`. */
export type ArtifactsEvent = {
  [T in ArtifactsEventType]: {
    type: T;
    source: {
      /** "artifacts" for the account-level events, "artifacts.repo" for the repo-level ones. */
      type: T extends ArtifactsAccountEventType ? "artifacts" : "artifacts.repo";
      namespace: string;
      repoName: string;
    };
    payload: ArtifactsEventPayloads[T];
    metadata: {
      accountId: string;
      eventSubscriptionId: string;
      eventSchemaVersion: 1;
      eventTimestamp: string;
    };
  };
}[ArtifactsEventType];

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
  /** The HTTP status for this code (400, 404, 409, 413, 422, 500, 502). */
  readonly httpStatus: number;
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

/** Options of fork(): `defaultBranchOnly` defaults to true. */
export interface ForkOptions {
  description?: string;
  readOnly?: boolean;
  defaultBranchOnly?: boolean;
}

/** What import() reads: `source.branch` defaults to the remote's HEAD; `depth` makes it shallow. */
export interface ImportParams {
  source: { url: string; branch?: string; depth?: number };
  target: { name: string; opts?: { description?: string; readOnly?: boolean } };
}

/** A fork() result: also `objects`, the object records copied (0 where the fork reads its parent's objects in place). */
export interface ForkRepoResult extends CreateRepoResult {
  objects: number;
}

/** Progress of a fork (our extension), as reported to `onProgress`. */
export interface ForkProgress {
  phase: "objects" | "done";
  objectsReceived: number;
  objectsTotal: number | null;
  bytesReceived: number;
}

/** The REST listing's options beyond the binding's (`search`: case-insensitive substring of the name). */
export interface RepoListOptions {
  limit?: number;
  cursor?: string;
  search?: string;
  sort?: "created_at" | "updated_at" | "last_push_at" | "name";
  direction?: "asc" | "desc";
}

/** A namespace's own record (REST only). */
export interface NamespaceInfo {
  namespace: string;
  jurisdiction: "eu" | "us" | "unrestricted";
  repoCount: number;
  createdAt: string;
  updatedAt: string;
}

/** Progress of an import, as reported to `onProgress`. */
export interface ImportProgress {
  phase: "refs" | "receiving" | "done";
  bytesReceived: number;
  objectsReceived: number;
  /** Objects the remote's pack announces (0 until its header arrived). */
  objectsTotal: number;
}

/** Our extension of import() (not in the Workers binding). */
export interface ImportOptions {
  onProgress?: (p: ImportProgress) => void;
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

/** Classification of a tree entry, derived from its mode. */
export type TreeEntryType = "tree" | "blob" | "symlink" | "gitlink" | "exec";

/** An immediate child of a tree (readTree). */
export interface TreeEntry {
  name: string;
  /** Canonical git mode without a leading zero: "100644", "100755", "120000", "160000" or "40000". */
  mode: string;
  /** Lowercase 40-hex object id. */
  hash: string;
  type: TreeEntryType;
}

/** A decoded commit (readCommit, log). */
export interface CommitMetadata {
  hash: string;
  treeHash: string;
  /** The message after the headers, with exactly one trailing "\n" removed. */
  message: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
  /** Parent ids in git order; [] for a root commit. */
  parents: string[];
  /** Unix seconds. */
  authoredAt: number;
  /** Unix seconds. */
  committedAt: number;
}

/** An author or committer of commit(). */
export interface CommitIdentity {
  /** Not empty; no "<", ">", newlines or other control characters; no leading or trailing space. */
  name: string;
  /** May be empty; the same characters as `name` are refused. */
  email?: string;
  /** Unix seconds. Default: now. */
  date?: number;
  /** Minutes east of UTC (e.g. 60 for +0100), at most 23:59 either way. Default 0. */
  timezoneOffset?: number;
}

/** One file of commit(): written (text or bytes) or deleted. */
export type CommitFile =
  | {
      /**
       * Repo-relative, "/"-separated. Refused: empty, a leading or trailing "/", "//", "." or ".."
       * segments, ".git" segments (also its NTFS and HFS+ aliases), NUL bytes, more than 4096 bytes.
       */
      path: string;
      /** Text (UTF-8), base64 text with `encoding: "base64"`, or bytes. */
      content: string | Uint8Array | ArrayBufferView | ArrayBuffer;
      /** How a string `content` is read. Default "utf-8". */
      encoding?: "utf-8" | "base64";
      /** Mode 100755 (true) or 100644 (false). Default: the mode of the file replaced, else 100644. */
      executable?: boolean;
      delete?: false;
    }
  | {
      path: string;
      /** Deletes the file at `path` (it must exist and not be a directory); emptied directories go too. */
      delete: true;
    };

export interface CommitParams {
  /** "main" or "refs/heads/main". Default: the branch HEAD names (the default branch). A new branch starts from HEAD's commit. */
  branch?: string;
  /**
   * The commit the branch must be at (40 lowercase hex), or 40 zeros: the branch must not exist yet.
   * Otherwise ALREADY_EXISTS (the branch moved) and nothing changes. Omitted: no check.
   */
  expectedHead?: string;
  /** Required, not blank; stored with a final newline added when it has none. */
  message: string;
  /** Default { name: "Artifacts", email: "artifacts@localhost", date: now }. */
  author?: CommitIdentity;
  /** Default: the author. */
  committer?: CommitIdentity;
  /** Allows a commit that leaves the tree as its parent's (refused by default, as `git commit` does). */
  allowEmpty?: boolean;
  /** At most 10,000, each path once, none below another; 32 MB per file and `limits.maxPackBytes` in all. */
  files: CommitFile[];
}

export interface CommitResult {
  /** The new commit's id. */
  commit: string;
  /** Its tree's id. */
  tree: string;
  /** Its parents: the branch's previous head, or HEAD's commit for a new branch; [] for a root commit. */
  parents: string[];
  /** The ref moved, e.g. "refs/heads/main". */
  ref: string;
  /** Its short name, e.g. "main". */
  branch: string;
  /** The branch's head before the commit; null when the commit created the branch. */
  previous: string | null;
}

export interface ArtifactsRepoHandle extends Disposable {
  info(): Promise<RepoInfo>;
  createToken(scope?: "write" | "read", ttl?: number): Promise<CreateTokenResult>;
  /**
   * Active tokens, newest first. `opts` is our extension (the REST list's): `state` (default
   * "active"; "all" for every state) and offset paging (`perPage` 1-100, default 30; `page` from 1),
   * with `total` counting the tokens in that state.
   */
  listTokens(opts?: { state?: "active" | "expired" | "revoked" | "all"; perPage?: number; page?: number }): Promise<TokenListResult>;
  revokeToken(tokenOrId: string): Promise<boolean>;
  /**
   * A blob's bytes (untyped: `blob.type === ""`), or null when the object is missing or not a blob.
   * INVALID_INPUT for a malformed hash, MEMORY_LIMIT above 32 MB.
   */
  readBlob(hash: string): Promise<Blob | null>;
  /** A tree's immediate children, or null when missing; INTERNAL_ERROR when the object is not a tree. */
  readTree(hash: string): Promise<TreeEntry[] | null>;
  /** A commit's metadata, or null when missing; INTERNAL_ERROR when the object is not a commit. */
  readCommit(hash: string): Promise<CommitMetadata | null>;
  /**
   * The file at `path` in `ref` (HEAD, a commit id, a full or short branch or tag name), with a
   * MIME type in `blob.type`; null when the ref or path does not resolve to a file (a directory,
   * a submodule, a path with ".."). INVALID_INPUT when ref or path is empty.
   */
  readFile(args: { ref: string; path: string }): Promise<Blob | null>;
  /**
   * The first-parent chain from `ref` (default HEAD), newest first: `limit` (default 50, capped
   * at 1000) commits after skipping `offset`. [] when the ref does not resolve; INVALID_INPUT for
   * limit < 1, offset < 0 or a non-integer.
   */
  log(opts?: { ref?: string; limit?: number; offset?: number }): Promise<CommitMetadata[]>;
  /**
   * Copies this repo into a new repo `name` in the same namespace (source
   * `artifacts:<namespace>/<repo>`), with a fresh write token. INVALID_REPO_NAME,
   * ALREADY_EXISTS, FORK_IN_PROGRESS.
   */
  fork(name: string, opts?: ForkOptions, options?: { onProgress?: (p: ForkProgress) => void }): Promise<ForkRepoResult>;
  /**
   * Our extension: writes `files` as one commit on a branch, without a git client. Blobs, trees
   * and the commit are built in the core and the branch moves with the same compare-and-swap as
   * a push (lastPushAt moves too); a refused call changes nothing. INVALID_INPUT (arguments,
   * paths, a path below a file, deleting a missing file, nothing to commit, a read-only repo
   * with "repository is read-only"), ALREADY_EXISTS (expectedHead is not the branch's head),
   * MEMORY_LIMIT (sizes), NOT_FOUND.
   */
  commit(params: CommitParams): Promise<CommitResult>;
}

export interface ArtifactsNamespace {
  create(
    name: string,
    opts?: { readOnly?: boolean; description?: string; setDefaultBranch?: string },
  ): Promise<CreateRepoResult>;
  get(name: string): Promise<ArtifactsRepoHandle>;
  /**
   * Creates repo `target.name` from a remote git repository over smart HTTP (source
   * `git:<url>`). HTTPS only unless `allowHttpImport`; public hosts only unless
   * `allowPrivateImport` (INVALID_URL). INVALID_REPO_NAME, INVALID_INPUT,
   * INVALID_URL, REMOTE_AUTH_REQUIRED, NOT_FOUND, UPSTREAM_UNAVAILABLE, MEMORY_LIMIT,
   * ALREADY_EXISTS. `options` is our extension (progress reports).
   */
  import(params: ImportParams, options?: ImportOptions): Promise<CreateRepoResult>;
  /** `search`, `sort` and `direction` are our extension (the REST listing's; cursors then page by offset). */
  list(opts?: RepoListOptions): Promise<RepoListResult>;
  delete(name: string): Promise<boolean>;
  /**
   * The git smart-HTTP server: answers a request for `<baseUrl>/git/<namespace>/<repo>.git/...`
   * (clone, fetch, push with protocol v0/v1/v2), streaming both bodies. Routing, auth (401/403)
   * and every protocol rule are the core's; other paths answer 404. Hand it the Request of a
   * Worker's or Node server's fetch handler.
   */
  fetch(request: Request): Promise<Response>;
  /**
   * Our extension: removes the rows of this namespace's repo stores that no registry entry names
   * (a push that raced a delete; leftovers of a crash), where the storage can list its repo
   * stores (`repoIds()`). Resolves to how many stores were removed. `open-artifacts serve` runs
   * it at start.
   */
  sweep(): Promise<number>;
  /** Our extension: the remote URL of repo `name` (`<baseUrl>/git/<namespace>/<name>.git`). */
  remoteUrl(name: string): Promise<string>;

  // ---- Our extensions for the REST API (js/src/rest/).
  /** This namespace's record; NOT_FOUND until it was created explicitly or got its first repo. */
  namespaceInfo(): Promise<NamespaceInfo>;
  /** Creates the namespace explicitly (the only way to a jurisdiction); ALREADY_EXISTS once it exists. */
  createNamespace(opts?: { jurisdiction?: "eu" | "us" }): Promise<NamespaceInfo>;
  /** Deletes an empty namespace's record: NOT_FOUND, or INVALID_INPUT while it holds repos. */
  deleteNamespace(): Promise<true>;
  /** delete(), answering the removed repo's id; NOT_FOUND when there is none. */
  deleteRepo(name: string): Promise<{ id: string }>;
  /** Revokes the token `id` of whichever repo of the namespace minted it; NOT_FOUND when none did. */
  revokeTokenById(id: string): Promise<{ id: string }>;
  /** Frees the core instance behind this object (a later call makes a new one). */
  close(): Promise<void>;
}

export declare function createArtifacts(options: CreateArtifactsOptions): ArtifactsNamespace;

/** Options of createRestApi(): any createArtifacts() option but `namespace` (every namespace is served), and who may call. */
export interface RestApiOptions extends Omit<CreateArtifactsOptions, "namespace"> {
  /** API tokens ("Authorization: Bearer <token>"): "read" may call GET routes, "edit" every route. */
  auth?: { tokens?: Array<{ token: string; permission: "read" | "edit" }>; allowAnonymous?: boolean };
  /** Origins allowed to send state-changing requests from a browser (CSRF); default none. */
  isOwnOrigin?: (origin: URL) => boolean;
  /** When set, the only account id answered in /client/v4/accounts/<account>/... (others: 404). */
  accountId?: string;
  /** Namespace instances kept at once (default 64). */
  maxNamespaces?: number;
}

/**
 * Our extension: the Cloudflare v4 REST API of Artifacts (spec §5; routes in js/src/rest/handler.js)
 * over `options.storage`, every namespace it holds, as a fetch handler (Node server, Worker). Without
 * API tokens and without `allowAnonymous`, every request answers 401.
 */
export declare function createRestApi(options: RestApiOptions): Promise<{ fetch(request: Request): Promise<Response> }>;

/**
 * What DurableObjectSqliteStorage needs of a Durable Object's `ctx.storage`: its SQL API and
 * `transactionSync` (the Workers type `DurableObjectStorage` of a SQLite-backed class has both).
 */
export interface DurableObjectSqlStorage {
  sql: { exec(query: string, ...bindings: any[]): { raw(): IterableIterator<unknown[]> } };
  transactionSync<T>(closure: () => T): T;
}

/**
 * Storage in a SQLite-backed Durable Object (`new_sqlite_classes`): one table `kv` of the
 * object's own database holds every namespace registry and repo store, and a batch is one
 * `transactionSync`. A put whose row (key in UTF-8 plus value) is over 2,000,000 bytes, the
 * production row limit, throws a RangeError and writes nothing. Exported by the Workers
 * ("workerd") entry point only.
 */
export declare class DurableObjectSqliteStorage implements ArtifactsStorage {
  constructor(storage: DurableObjectSqlStorage);
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
  /** The id of every repo store (for sweep()). */
  repoIds(): string[];
  /** The name of every namespace registry, sorted. */
  namespaceNames(): string[];
  /** True: every repo store is in the one object. */
  readonly sharesRepoStorage: true;
  /** Every stored row in key order, values as comma-joined bytes. */
  snapshot(): Array<[string, string]>;
}

/** In-memory storage (tests, browsers). */
export declare class MemoryStorage implements ArtifactsStorage {
  registry(namespace: string): StorageHandle;
  repo(repoId: string): StorageHandle;
  /** The id of every repo store (for sweep()). */
  repoIds(): string[];
  /** The name of every namespace registry, sorted. */
  namespaceNames(): string[];
  /** Every stored row in key order, values as comma-joined bytes. */
  snapshot(): Array<[string, string]>;
}
