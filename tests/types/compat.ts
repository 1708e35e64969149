// Type compatibility with @cloudflare/workers-types: our namespace object and
// repo handle must be assignable to the binding's types, so code written for
// env.ARTIFACTS type-checks against open-artifacts. (tsc --noEmit; methods
// that later issues deliver join the Pick<> lists when they land.)
/// <reference types="@cloudflare/workers-types" />
import { createArtifacts, MemoryStorage, ArtifactsError as OurError } from "open-artifacts";

const ours = createArtifacts({ storage: new MemoryStorage(), namespace: "default" });

export const binding: Pick<Artifacts, "create" | "get" | "list" | "delete"> = {
  create: ours.create,
  list: ours.list,
  delete: ours.delete,
  get: async (name: string) => {
    const handle = await ours.get(name);
    const repo: Pick<
      ArtifactsRepo,
      | "info"
      | "createToken"
      | "listTokens"
      | "revokeToken"
      | "readBlob"
      | "readTree"
      | "readCommit"
      | "readFile"
      | "log"
      | typeof Symbol.dispose
    > = handle;
    return repo as ArtifactsRepo;
  },
};

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
  void [listed, info, tokens, revoked, blob, tree, commit, file, history, fromHead];
}

// Our error class satisfies the binding's ArtifactsError interface.
export function narrow(e: unknown): ArtifactsErrorCode | undefined {
  if (e instanceof OurError) {
    const asBinding: ArtifactsError = e;
    return asBinding.code;
  }
  return undefined;
}
