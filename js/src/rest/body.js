// A REST request's JSON body, read with a size cap while it streams (a body
// past the cap is refused before it is buffered whole).
import { HttpError } from './envelope.js';

// errorCodes: the core's table ({ CODE: { numericCode, httpStatus } }).
export async function readJsonBody(request, maxBytes, errorCodes) {
  const tooLarge = () =>
    new HttpError(errorCodes.MEMORY_LIMIT.httpStatus, errorCodes.MEMORY_LIMIT.numericCode, `request body exceeds ${maxBytes} bytes`);
  const invalid = (message) => new HttpError(400, errorCodes.INVALID_INPUT.numericCode, message);
  if (Number(request.headers.get('content-length')) > maxBytes) throw tooLarge();
  const chunks = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      // Past the cap keep reading (and dropping), so the client gets the 413
      // rather than a connection cut mid-upload.
      if (size <= maxBytes) chunks.push(value);
    }
  }
  if (size > maxBytes) throw tooLarge();
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid('request body is not valid UTF-8');
  }
  if (text.trim() === '') throw invalid('a JSON body is required');
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('the JSON body must be an object');
  return body;
}
