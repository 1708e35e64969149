// open-artifacts/worker's types: a Worker that re-exports the entry, and a
// consumer whose env.ARTIFACTS (the ArtifactsBinding service) is typed as
// Cloudflare's own Artifacts binding.
import worker, { ArtifactsBinding, ArtifactsNamespace, ArtifactsRepo, type ArtifactsWorkerEnv } from "open-artifacts/worker";

export { ArtifactsBinding, ArtifactsNamespace, ArtifactsRepo };
export default worker;

const env: ArtifactsWorkerEnv = {
  ARTIFACTS_NAMESPACES: {} as DurableObjectNamespace,
  ARTIFACTS_REPOS: {} as DurableObjectNamespace,
  ARTIFACTS_BASE_URL: "https://git.example.com",
};
void env;

// The binding's methods are Artifacts' methods.
export async function consume(binding: ArtifactsBinding): Promise<string> {
  const created = await binding.create("repo", { description: "d" });
  const repo = await binding.get("repo");
  const info = await repo.info();
  return created.remote + info.name;
}
