// An isomorphic-git HTTP plugin that never touches the network: every request
// goes to `artifacts.fetch`, the git smart-HTTP server running in this page.
// (Plugin contract: isomorphic-git's GitHttpRequest / GitHttpResponse.)

async function concat(chunks) {
  const parts = [];
  let size = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    size += chunk.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

async function* chunksOf(stream) {
  if (!stream) return;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

// `baseUrl`: the in-page server's base URL; any other URL is refused, so a
// remote URL typed by mistake never turns into a network request.
export function inPageHttp(artifacts, baseUrl) {
  return {
    async request({ url, method = 'GET', headers = {}, body }) {
      if (!url.startsWith(`${baseUrl}/`)) throw new Error(`the in-page git client only talks to ${baseUrl}, not ${url}`);
      const payload = body === undefined ? undefined : await concat(body);
      const response = await artifacts.fetch(new Request(url, { method, headers, body: payload }));
      return {
        url,
        method,
        statusCode: response.status,
        statusMessage: response.statusText,
        headers: Object.fromEntries(response.headers),
        body: chunksOf(response.body),
      };
    },
  };
}
