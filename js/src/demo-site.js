// The browser demo as static files under /demo/ (examples/browser; README
// "Browser demo"): the page, the package's browser entry and the wasm it
// fetches next to itself, and isomorphic-git as one ES module. Read-only:
// GET and HEAD only, one flat folder per route, and a file name is a plain
// name (no "/", "\", "%" or leading dot), checked again after symlinks are
// resolved, so no request reaches outside them.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

export const DEMO_PATH = '/demo/';
const DEFAULT_DEMO_DIR = fileURLToPath(new URL('../../examples/browser/', import.meta.url));
const PACKAGE_JS_DIR = fileURLToPath(new URL('../', import.meta.url));

const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', // WebAssembly.compileStreaming requires it
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

// The page runs scripts from this origin only and no eval; compiling wasm is
// the one exception it needs. Images come from readFile's Blobs.
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PLAIN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

// isomorphic-git for the page: its ES build imports CommonJS packages by bare
// name and expects Node's Buffer, so esbuild bundles it with the `buffer`
// package, in memory, once per server. Both are devDependencies: a checkout
// has them (the npm package ships no demo).
function isomorphicGitModule(demoDir) {
  let built;
  return () =>
    (built ??= import('esbuild')
      .then((esbuild) =>
        esbuild.build({
          stdin: { contents: "import './buffer-global.js';\nexport { default } from 'isomorphic-git';\n", resolveDir: demoDir, loader: 'js' },
          bundle: true,
          format: 'esm',
          platform: 'browser',
          minify: true,
          write: false,
          logLevel: 'silent',
        }),
      )
      .then((result) => result.outputFiles[0].contents)
      .catch((e) => {
        built = undefined; // retried by the next request
        throw new Error(`isomorphic-git could not be bundled for the demo (run npm install in the checkout): ${e.message}`);
      }));
}

// dir: the folder served as /demo/ (default: the checkout's examples/browser).
export function createDemoSite({ dir = DEFAULT_DEMO_DIR } = {}) {
  // Most specific first. A route serves `generated` files by name, or any plain name in `dir` with one of `extensions`.
  const routes = [
    { prefix: '/demo/open-artifacts/js/src/', dir: join(PACKAGE_JS_DIR, 'src'), extensions: ['.js'] },
    { prefix: '/demo/open-artifacts/js/dist/', dir: join(PACKAGE_JS_DIR, 'dist'), extensions: ['.mjs', '.wasm'] },
    { prefix: '/demo/vendor/', generated: { 'isomorphic-git.js': isomorphicGitModule(DEFAULT_DEMO_DIR) } },
    { prefix: DEMO_PATH, dir, extensions: Object.keys(CONTENT_TYPES), index: 'index.html' },
  ];

  // What a URL path names: { path } of a file, { generate } for built content, or null.
  async function resolve(pathname) {
    const route = routes.find((r) => pathname.startsWith(r.prefix));
    if (!route) return null;
    const name = pathname.slice(route.prefix.length) || route.index;
    if (!name || !PLAIN_NAME.test(name)) return null;
    const type = CONTENT_TYPES[extname(name)];
    if (route.generated) return Object.hasOwn(route.generated, name) ? { type, generate: route.generated[name] } : null;
    if (!route.extensions.includes(extname(name))) return null;
    try {
      const [real, root] = await Promise.all([realpath(join(route.dir, name)), realpath(route.dir)]);
      if (!real.startsWith(root + sep)) return null; // a symlink out of the folder
      return (await stat(real)).isFile() ? { type, path: real } : null;
    } catch {
      return null;
    }
  }

  return {
    // Whether there is a page to serve (the npm package ships without examples/).
    available: async () => (await resolve(DEMO_PATH)) !== null,

    // Answers a request for /demo or /demo/...; false when no such file (the caller answers 404).
    async respond(req, res, pathname) {
      if (pathname === '/demo') {
        res.writeHead(301, { Location: DEMO_PATH, 'Content-Length': 0 });
        res.end();
        return true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('the demo is read-only: GET and HEAD only\n');
        return true;
      }
      const file = await resolve(pathname);
      if (!file) return false;
      let body = null;
      if (file.generate) {
        try {
          body = await file.generate();
        } catch (e) {
          res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
          res.end(`${e.message}\n`);
          return true;
        }
      }
      res.writeHead(200, {
        'Content-Type': file.type,
        'Content-Length': body ? body.length : (await stat(file.path)).size,
        'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') res.end();
      else if (body) res.end(body);
      else await pipeline(createReadStream(file.path), res);
      return true;
    },
  };
}
