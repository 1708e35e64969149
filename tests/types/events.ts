// Repo events' types (js/index.d.ts): `type` narrows the payload and the source type.
import { createArtifacts, MemoryStorage, type ArtifactsEvent } from "open-artifacts";

function handle(event: ArtifactsEvent): string {
  switch (event.type) {
    case "cf.artifacts.repo.pushed": {
      const first = event.payload.commits[0];
      const repoLevel: "artifacts.repo" = event.source.type;
      void repoLevel;
      return `${event.payload.ref} ${event.payload.before}..${event.payload.after} ${first?.author.email ?? ""} ${event.payload.totalCommitsCount}`;
    }
    case "cf.artifacts.repo.forked": {
      const accountLevel: "artifacts" = event.source.type;
      void accountLevel;
      return `${event.source.repoName} -> ${event.payload.namespace}/${event.payload.repoName} ${event.payload.repoId}`;
    }
    case "cf.artifacts.repo.imported":
      return `${event.payload.sourceUrl} ${event.payload.branch} ${event.payload.lastPushAt ?? "never"}`;
    case "cf.artifacts.repo.token.created":
      return `${event.payload.tokenId} ${event.payload.scope} ${event.payload.expiresAt}`;
    case "cf.artifacts.repo.token.revoked":
      // @ts-expect-error a revoked token's event names only its id
      return event.payload.scope;
    default: {
      const schema: 1 = event.metadata.eventSchemaVersion;
      return `${event.type} ${schema} ${event.metadata.accountId} ${event.metadata.eventTimestamp}`;
    }
  }
}

const artifacts = createArtifacts({
  storage: new MemoryStorage(),
  accountId: "0123456789abcdef0123456789abcdef",
  onEvent: (event) => {
    handle(event);
  },
});
// An async listener is fine too.
createArtifacts({ storage: new MemoryStorage(), onEvent: async (event) => void handle(event) });
// @ts-expect-error onEvent takes an event
createArtifacts({ storage: new MemoryStorage(), onEvent: (event: string) => void event });
void artifacts;
