// The Worker example of the Artifacts Workers binding docs
// (developers.cloudflare.com/artifacts/api/workers-binding/, "Worker example"),
// written against @cloudflare/workers-types only: it talks to env.ARTIFACTS and
// knows nothing of open-artifacts. Routes as in the docs:
//
//   POST /repos          {"name"?}                 create a repo -> { name, remote, token }
//   GET  /repos/<name>                             repo info     -> { id, name, remote, defaultBranch }
//   POST /tokens         {"repo"?, "scope"?, "ttl"?} mint a token -> ArtifactsCreateTokenResult
//
// Beyond the docs: the repo names come from the request (default "starter-repo",
// the docs' name), the repo handle is disposed with `using`, and an ArtifactsError
// becomes a JSON error with a matching HTTP status instead of an uncaught exception.
// As in the docs, there is no authentication: authorize callers before minting tokens.

interface Env {
	ARTIFACTS: Artifacts;
}

const DEFAULT_REPO = "starter-repo";

// HTTP status for each binding error code.
const STATUS: Record<ArtifactsErrorCode, number> = {
	INVALID_INPUT: 400,
	INVALID_REPO_NAME: 400,
	INVALID_TTL: 400,
	INVALID_URL: 400,
	NOT_FOUND: 404,
	ALREADY_EXISTS: 409,
	CREATE_IN_PROGRESS: 409,
	IMPORT_IN_PROGRESS: 409,
	FORK_IN_PROGRESS: 409,
	MEMORY_LIMIT: 413,
	REMOTE_AUTH_REQUIRED: 422,
	INTERNAL_ERROR: 500,
	UPSTREAM_UNAVAILABLE: 502,
};

function isArtifactsError(e: unknown): e is ArtifactsError {
	return e instanceof Error && e.name === "ArtifactsError" && typeof (e as ArtifactsError).code === "string";
}

// The JSON body of a request, or {} when it is empty or not JSON.
async function readBody<T>(request: Request): Promise<Partial<T>> {
	const body: unknown = await request.json().catch(() => ({}));
	return body !== null && typeof body === "object" ? (body as Partial<T>) : {};
}

async function route(request: Request, env: Env): Promise<Response> {
	const url = new URL(request.url);

	if (request.method === "POST" && url.pathname === "/repos") {
		const { name = DEFAULT_REPO } = await readBody<{ name: string }>(request);
		// Create the repo and return the remote URL plus its initial write token.
		const created = await env.ARTIFACTS.create(name);
		return Response.json({ name: created.name, remote: created.remote, token: created.token });
	}

	const repoPath = /^\/repos\/([^/]+)$/.exec(url.pathname);
	if (request.method === "GET" && repoPath) {
		using repo = await env.ARTIFACTS.get(repoPath[1]);
		const info = await repo.info();
		return Response.json({ id: info.id, name: info.name, remote: info.remote, defaultBranch: info.defaultBranch });
	}

	if (request.method === "POST" && url.pathname === "/tokens") {
		const {
			repo: name = DEFAULT_REPO,
			scope = "read",
			ttl = 3600,
		} = await readBody<{ repo: string; scope: "read" | "write"; ttl: number }>(request);
		using repo = await env.ARTIFACTS.get(name);
		const token = await repo.createToken(scope, ttl);
		return Response.json(token);
	}

	return Response.json({ message: "Use POST /repos, GET /repos/<name>, or POST /tokens." }, { status: 404 });
}

export default {
	async fetch(request: Request, env: Env): Promise<Response> {
		try {
			return await route(request, env);
		} catch (e) {
			if (!isArtifactsError(e)) throw e;
			return Response.json(
				{ error: { code: e.code, numericCode: e.numericCode, message: e.message } },
				{ status: STATUS[e.code] ?? 500 },
			);
		}
	},
} satisfies ExportedHandler<Env>;
