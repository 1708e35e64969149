#!/usr/bin/env node
// Size report of the WebAssembly module: raw and gzip -9 bytes of the wasm and
// of its ES module glue, the wasm's sections, and (with --top N) its biggest
// functions. Function names come from the wasm's "name" section (a build linked
// with --profiling-funcs) or from an emcc --emit-symbol-map file next to it
// (<wasm>.symbols or <glue>.symbols); a release build has neither, so --top
// shows indexes only.
//
//   node bench/module-size.mjs                       # js/dist/open_artifacts_core.{wasm,mjs}
//   node bench/module-size.mjs --top 40 [--group]    # + biggest functions (--group: by name prefix)
//   node bench/module-size.mjs --wasm x.wasm --glue x.mjs [--json]
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { constants, gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? def : args[i + 1];
};
const wasmPath = resolve(opt('wasm', join(root, 'js/dist/open_artifacts_core.wasm')));
const gluePath = resolve(opt('glue', wasmPath.replace(/\.wasm$/, '.mjs')));
const top = Number(opt('top', 0));
const group = args.includes('--group');
const asJson = args.includes('--json');

// `gzip -9 | wc -c` when gzip is there (its deflate differs a little from
// zlib's), else zlib at level 9.
const gz = (buf) => {
  const r = spawnSync('gzip', ['-9', '-n'], { input: buf, maxBuffer: 1 << 28 });
  return r.status === 0 ? r.stdout.length : gzipSync(buf, { level: constants.Z_BEST_COMPRESSION }).length;
};
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

function readU32(buf, pos) {  // LEB128
  let result = 0, shift = 0, b;
  do {
    b = buf[pos.p++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
}
function readName(buf, pos) {
  const n = readU32(buf, pos);
  const s = buf.subarray(pos.p, pos.p + n).toString('utf8');
  pos.p += n;
  return s;
}

// Sections, imported function count, function bodies' sizes and names.
function parseWasm(buf) {
  const SECTION = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start',
    'element', 'code', 'data', 'datacount', 'tag'];
  const sections = [];
  const bodies = [];
  const names = new Map();
  let imported = 0;
  const pos = { p: 8 };
  while (pos.p < buf.length) {
    const sectionStart = pos.p;
    const id = buf[pos.p++];
    const size = readU32(buf, pos);
    const start = pos.p, end = start + size;
    let name = SECTION[id] ?? `id${id}`;
    if (id === 0) name = `custom "${readName(buf, pos)}"`;
    sections.push({ name, bytes: end - sectionStart });
    if (id === 2) {  // imports: count the functions, which come first in the index space
      const n = readU32(buf, pos);
      for (let i = 0; i < n; i++) {
        readName(buf, pos); readName(buf, pos);
        const kind = buf[pos.p++];
        if (kind === 0) { readU32(buf, pos); imported++; }
        else if (kind === 1) { pos.p++; const f = readU32(buf, pos); readU32(buf, pos); if (f & 1) readU32(buf, pos); }
        else if (kind === 2) { const f = readU32(buf, pos); readU32(buf, pos); if (f & 1) readU32(buf, pos); }
        else if (kind === 3) pos.p += 2;
        else if (kind === 4) { pos.p++; readU32(buf, pos); }
      }
    } else if (id === 10) {
      const n = readU32(buf, pos);
      for (let i = 0; i < n; i++) {
        const sz = readU32(buf, pos);
        bodies.push({ index: imported + i, bytes: sz, code: buf.subarray(pos.p, pos.p + sz) });
        pos.p += sz;
      }
    } else if (name === 'custom "name"') {
      while (pos.p < end) {
        const sub = buf[pos.p++];
        const subSize = readU32(buf, pos);
        const subEnd = pos.p + subSize;
        if (sub === 1) {
          const n = readU32(buf, pos);
          for (let i = 0; i < n; i++) { const idx = readU32(buf, pos); names.set(idx, readName(buf, pos)); }
        }
        pos.p = subEnd;
      }
    }
    pos.p = end;
  }
  return { sections, bodies, names };
}

function symbolMap(paths) {  // emcc --emit-symbol-map: "index:name" per line
  const names = new Map();
  for (const p of paths) {
    if (!existsSync(p)) continue;
    for (const line of readFileSync(p, 'utf8').split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) names.set(Number(line.slice(0, i)), line.slice(i + 1));
    }
    break;
  }
  return names;
}

const wasm = readFileSync(wasmPath);
const glue = existsSync(gluePath) ? readFileSync(gluePath) : null;
const { sections, bodies, names: nameSection } = parseWasm(wasm);
const names = nameSection.size ? nameSection : symbolMap([`${wasmPath}.symbols`, `${gluePath}.symbols`]);
const report = {
  wasm: { path: wasmPath, raw: wasm.length, gzip9: gz(wasm) },
  glue: glue && { path: gluePath, raw: glue.length, gzip9: gz(glue) },
  sections: sections.map((s) => ({ name: s.name, bytes: s.bytes })),
  functions: bodies.length,
};

if (top > 0) {
  const label = (b) => names.get(b.index) ?? `func[${b.index}]`;
  let rows = bodies.map((b) => ({ name: label(b), bytes: b.bytes, gzip9: null, count: 1 }));
  if (group) {  // by a coarse prefix: namespace or library function family
    const key = (n) => {
      const m = /^(?:[a-zA-Z_][\w]*::)+/.exec(n.replace(/^(?:void|bool|int|unsigned (?:int|long)|decltype\([^)]*\)) /, ''));
      if (m) return m[0].split('::').slice(0, 2).join('::');
      return n.replace(/[_\d]+$/, '').split(/[_(<]/)[0] || n;
    };
    const g = new Map();
    for (const r of rows) {
      const k = key(r.name);
      const e = g.get(k) ?? { name: k, bytes: 0, count: 0 };
      e.bytes += r.bytes; e.count++;
      g.set(k, e);
    }
    rows = [...g.values()];
  }
  rows.sort((a, b) => b.bytes - a.bytes);
  report.top = rows.slice(0, top);
}

if (asJson) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const rel = (p) => p.startsWith(root) ? p.slice(root.length + 1) : p;
  console.log('| file | raw | gzip -9 |');
  console.log('|---|---:|---:|');
  for (const f of [report.wasm, report.glue].filter(Boolean)) {
    console.log(`| ${rel(f.path)} | ${f.raw.toLocaleString('en')} B (${kb(f.raw)}) | ${f.gzip9.toLocaleString('en')} B (${kb(f.gzip9)}) |`);
  }
  console.log(`\nwasm sections (${report.functions} functions):`);
  for (const s of sections.filter((x) => x.bytes > 1024)) console.log(`  ${s.name.padEnd(24)} ${s.bytes.toLocaleString('en').padStart(10)} B`);
  if (report.top) {
    if (!names.size) console.log('\n(no function names: link with --profiling-funcs or --emit-symbol-map for them)');
    console.log(`\nbiggest ${group ? 'groups' : 'functions'} (code bytes):`);
    for (const r of report.top) console.log(`  ${r.bytes.toLocaleString('en').padStart(9)}${group ? ` ${String(r.count).padStart(5)}x` : ''}  ${r.name.slice(0, 150)}`);
  }
}
