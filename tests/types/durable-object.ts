// DurableObjectSqliteStorage (Workers entry) over a SQLite-backed Durable Object's
// ctx.storage, as typed by @cloudflare/workers-types: the constructor takes
// it as it is, and the result is an ArtifactsStorage for createArtifacts.
import { DurableObject } from "cloudflare:workers";
import { createArtifacts, DurableObjectSqliteStorage, type ArtifactsStorage } from "open-artifacts";

export class RepoStore extends DurableObject {
  readonly storage: ArtifactsStorage = new DurableObjectSqliteStorage(this.ctx.storage);
  readonly artifacts = createArtifacts({ storage: this.storage, namespace: "default" });

  async names(): Promise<string[]> {
    const storage = new DurableObjectSqliteStorage(this.ctx.storage);
    const shared: true = storage.sharesRepoStorage;
    void shared;
    return [...storage.repoIds(), ...storage.namespaceNames()];
  }
}

// @ts-expect-error a storage without the SQL API and transactionSync is refused
new DurableObjectSqliteStorage({ get: () => null });
