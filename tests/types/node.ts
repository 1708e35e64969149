// Node's types (the "node" export condition): the shared API plus SqliteStorage.
import { createArtifacts, SqliteStorage, type ArtifactsNamespace } from "open-artifacts";

const storage = new SqliteStorage("/tmp/artifacts-types-check/");
const artifacts: ArtifactsNamespace = createArtifacts({ storage });
const ids: string[] = storage.repoIds();
void artifacts;
void ids;
storage.close();
