// Type compatibility with @cloudflare/workers-types: our namespace object is an
// `Artifacts` and our repo handle an `ArtifactsRepo` (the whole interfaces), so
// code written for env.ARTIFACTS type-checks against open-artifacts (tsc --noEmit).
// The @ts-expect-error lines show that each kind of check can fail.
/// <reference types="@cloudflare/workers-types" />
import {
  createArtifacts,
  MemoryStorage,
  ArtifactsError as OurError,
  type ArtifactsNamespace,
  type ArtifactsRepoHandle,
  type CommitResult,
  type ImportProgress,
} from "open-artifacts";

const ours = createArtifacts({
  storage: new MemoryStorage(),
  namespace: "default",
  baseUrl: "http://127.0.0.1:8788",
  // Our extensions for import(): the transport, plain-http and private sources (local tests).
  fetch: (req: Request) => fetch(req),
  allowHttpImport: true,
  allowPrivateImport: true,
  // Browser entry: where the core's wasm is served (a bundler's asset URL).
  wasmUrl: new URL("https://example.test/assets/core.wasm"),
});

// The whole binding: every method, assignable as a value.
export const binding: Artifacts = ours;
export async function handle(name: string): Promise<ArtifactsRepo> {
  const repo: ArtifactsRepo = await ours.get(name);
  return repo;
}

// Methods are compared bivariantly, so also check that every argument list the
// binding accepts is accepted by ours (a narrower parameter would slip through
// the assignment above).
type Fn = (...args: never[]) => unknown;
type AcceptsEveryCall<Theirs, Ours> = {
  [K in keyof Theirs]-?: Theirs[K] extends Fn
    ? K extends keyof Ours
      ? Ours[K] extends Fn
        ? Parameters<Theirs[K]> extends Parameters<Ours[K]>
          ? true
          : false
        : false
      : false
    : true;
}[keyof Theirs];
type Assert<T extends true> = T;
export type NamespaceAcceptsEveryCall = Assert<AcceptsEveryCall<Artifacts, ArtifactsNamespace>>;
export type RepoAcceptsEveryCall = Assert<AcceptsEveryCall<ArtifactsRepo, ArtifactsRepoHandle>>;

// Negative checks: a handle without fork, an import with the wrong result, and
// an import that requires what the binding leaves optional are all rejected.
declare const noFork: Omit<ArtifactsRepoHandle, "fork">;
// @ts-expect-error fork is missing
export const notARepo: ArtifactsRepo = noFork;
declare const wrongImport: Omit<ArtifactsNamespace, "import"> & {
  import(params: Parameters<Artifacts["import"]>[0]): Promise<ArtifactsRepoInfo>;
};
// @ts-expect-error import() must resolve to ArtifactsCreateRepoResult (token)
export const notABinding: Artifacts = wrongImport;
declare const narrowImport: Omit<ArtifactsNamespace, "import"> & {
  import(params: {
    source: { url: string; branch: string };
    target: { name: string };
  }): Promise<ArtifactsCreateRepoResult>;
};
export const slipsThrough: Artifacts = narrowImport; // bivariant method parameters...
// @ts-expect-error ...but a call without source.branch would not type-check against it
export type NarrowImportRejected = Assert<AcceptsEveryCall<Artifacts, typeof narrowImport>>;

// Results are the binding's result types.
export async function shapes(): Promise<void> {
  const created: ArtifactsCreateRepoResult = await ours.create("demo", { description: "d", readOnly: false });
  const listed: ArtifactsRepoListResult = await ours.list({ limit: 10 });
  const handle = await ours.get(created.name);
  const info: ArtifactsRepoInfo = await handle.info();
  const token: ArtifactsCreateTokenResult = await handle.createToken("read", 3600);
  const tokens: ArtifactsTokenListResult = await handle.listTokens();
  const revoked: boolean = await handle.revokeToken(token.id);
  const blob: Blob | null = await handle.readBlob("0".repeat(40));
  const tree: ArtifactsTreeEntry[] | null = await handle.readTree("0".repeat(40));
  const commit: ArtifactsCommitMetadata | null = await handle.readCommit("0".repeat(40));
  const file: Blob | null = await handle.readFile({ ref: "main", path: "README.md" });
  const history: ArtifactsCommitMetadata[] = await handle.log({ ref: "main", limit: 10, offset: 0 });
  const fromHead: ArtifactsCommitMetadata[] = await handle.log();
  const forked: ArtifactsCreateRepoResult = await handle.fork("demo-copy", {
    description: "copy",
    readOnly: true,
    defaultBranchOnly: false,
  });
  const imported: ArtifactsCreateRepoResult = await ours.import({
    source: { url: "https://example.test/owner/repo.git", branch: "main", depth: 1 },
    target: { name: "imported", opts: { description: "from a remote", readOnly: false } },
  });
  // Our extension: commits without a git client, text or bytes per file.
  const committed: CommitResult = await handle.commit({
    branch: "main",
    expectedHead: "0".repeat(40),
    message: "add files",
    author: { name: "A", email: "a@example.com", date: 1700000000, timezoneOffset: 60 },
    files: [
      { path: "README.md", content: "# hello\n" },
      { path: "run.sh", content: "IyEvYmluL3No", encoding: "base64", executable: true },
      { path: "data.bin", content: new Uint8Array([1, 2, 3]) },
      { path: "old.txt", delete: true },
    ],
  });
  const previous: string | null = committed.previous;
  // @ts-expect-error a deleted file takes no content
  await handle.commit({ message: "m", files: [{ path: "x", delete: true, content: "x" }] });
  // @ts-expect-error message is required
  await handle.commit({ files: [] });
  // Our extension: a second, optional argument with a progress callback.
  const phases: Array<ImportProgress["phase"]> = [];
  await ours.import(
    { source: { url: "http://127.0.0.1:9/repo.git" }, target: { name: "local" } },
    { onProgress: (p) => phases.push(p.phase) && p.bytesReceived + p.objectsReceived >= 0 },
  );
  handle[Symbol.dispose]();
  void [listed, info, tokens, revoked, blob, tree, commit, file, history, fromHead, forked, imported, previous];
}

// Our error class satisfies the binding's ArtifactsError interface.
export function narrow(e: unknown): ArtifactsErrorCode | undefined {
  if (e instanceof OurError) {
    const asBinding: ArtifactsError = e;
    return asBinding.code;
  }
  return undefined;
}

// Per-runtime types: browsers and Workers have no SqliteStorage (node.ts checks Node's).
// @ts-expect-error SqliteStorage is in the Node entry point only
import { SqliteStorage as NotInBrowsersOrWorkers } from "open-artifacts";
void NotInBrowsersOrWorkers;
