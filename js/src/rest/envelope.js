// The Cloudflare v4 response envelope (spec §5.1) and the errors this layer
// raises itself. Statuses and codes of Artifacts errors come from the core.
import { ArtifactsError } from '../errors.js';

export const AUTH_ERROR = 10000; // Cloudflare v4's "Authentication error" (not an Artifacts code)
const DOCS_URL = 'https://developers.cloudflare.com/artifacts/api/errors#';

// An error answered as-is: status, one envelope error, extra headers.
export class HttpError extends Error {
  constructor(status, code, message, { pointer, headers } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.pointer = pointer;
    this.headers = headers ?? {};
  }
}

export function apiError(code, message, pointer) {
  const error = { code, message };
  if (code >= 10100) error.documentation_url = `${DOCS_URL}${code}`; // Artifacts codes have a docs anchor
  if (pointer) error.source = { pointer };
  return error;
}

export const success = (result, resultInfo) => {
  const body = { result, success: true, errors: [], messages: [] };
  if (resultInfo) body.result_info = resultInfo;
  return body;
};

export const failureBody = (errors) => ({ result: null, success: false, errors, messages: [] });

// Any thrown value -> [status, error, headers]. `renamePointer` maps a core
// field pointer to the REST one where a route names it differently.
export function describeFailure(e, renamePointer = (p) => p) {
  if (e instanceof ArtifactsError) return [e.httpStatus, apiError(e.numericCode, e.message, renamePointer(e.pointer)), {}];
  if (e instanceof HttpError) return [e.status, apiError(e.code, e.message, e.pointer), e.headers];
  return [500, apiError(10400, 'internal error'), {}];
}

export function jsonResponse(status, body, headers = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'Content-Type': 'application/json; charset=utf-8' },
  });
}

// The repo list's result_info (spec §5.3): the cursor form while more pages
// remain or when paging by cursor, the offset form when everything fit on one page.
export function listResultInfo({ count, perPage, total, cursor, pagedByCursor }) {
  if (cursor !== undefined || pagedByCursor) return { cursor: cursor ?? '', per_page: perPage, count };
  return { page: 1, per_page: perPage, total_pages: 1, count, total_count: total };
}

// The token list's offset result_info.
export const offsetResultInfo = ({ page, perPage, count, total }) => ({
  page,
  per_page: perPage,
  total_pages: Math.max(1, Math.ceil(total / perPage)),
  count,
  total_count: total,
});
