// Hand-written types of open-artifacts/worker (js/src/worker/): a deployable
// Worker with one Durable Object per namespace and one per repo. Bind the
// classes in wrangler.jsonc (examples/cloudflare/) as ARTIFACTS_NAMESPACES and
// ARTIFACTS_REPOS (SQLite-backed: `new_sqlite_classes`).
import type { DurableObject, WorkerEntrypoint } from "cloudflare:workers";

/** The Worker's environment (js/src/worker/config.js). */
export interface ArtifactsWorkerEnv {
  ARTIFACTS_NAMESPACES: DurableObjectNamespace;
  ARTIFACTS_REPOS: DurableObjectNamespace;
  /** Base of remote URLs, e.g. "https://git.example.com" (default: the request's origin; over RPC http://localhost:8787). */
  ARTIFACTS_BASE_URL?: string;
  /** The RPC binding's namespace when its props name none (default "default"). */
  ARTIFACTS_NAMESPACE?: string;
  /** REST API tokens (Authorization: Bearer): edit, read. */
  ARTIFACTS_API_TOKEN?: string;
  ARTIFACTS_API_READ_TOKEN?: string;
  /** "true": REST without a token when none is set (local development only). */
  ARTIFACTS_ALLOW_ANONYMOUS_API?: string;
  /** The only account id REST answers (default: any). */
  ARTIFACTS_ACCOUNT_ID?: string;
  /** "true": import from http:// / loopback and private remotes (local tests only). */
  ARTIFACTS_ALLOW_HTTP_IMPORT?: string;
  ARTIFACTS_ALLOW_PRIVATE_IMPORT?: string;
  /** JSON {maxRepoBytes?, maxPackBytes?}. */
  ARTIFACTS_LIMITS?: string;
}

/** The registry of one namespace (names, metadata, status, listing); orchestrates create, fork, import and delete. */
export declare class ArtifactsNamespace extends DurableObject<ArtifactsWorkerEnv> {}

/** One repo: objects, refs, HEAD, tokens, shallow boundary; answers its git requests. */
export declare class ArtifactsRepo extends DurableObject<ArtifactsWorkerEnv> {}

/**
 * The `Artifacts` binding over Workers RPC: bind it from another Worker with
 * `"services": [{ "binding": "ARTIFACTS", "service": "<this Worker>", "entrypoint": "ArtifactsBinding" }]`
 * and use `env.ARTIFACTS` typed as `Artifacts` from @cloudflare/workers-types.
 * The namespace: the binding's `props.namespace`, else ARTIFACTS_NAMESPACE, else "default".
 */
export declare class ArtifactsBinding extends WorkerEntrypoint<ArtifactsWorkerEnv> {
  create: Artifacts["create"];
  get: Artifacts["get"];
  list: Artifacts["list"];
  delete: Artifacts["delete"];
  import: Artifacts["import"];
}

/** Git smart HTTP at /git/<namespace>/<repo>.git/… and the v4 REST API at /client/v4/accounts/<account>/artifacts/…. */
declare const worker: ExportedHandler<ArtifactsWorkerEnv>;
export default worker;
