// Raw git smart-HTTP for tests that send what real clients never would:
// pkt-lines, tiny packs, POSTs with a token, and a check that a request was
// clearly rejected.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { deflateSync } from 'node:zlib';

export const ZERO = '0'.repeat(40);
export const RECEIVE = 'application/x-git-receive-pack-request';
export const UPLOAD = 'application/x-git-upload-pack-request';

// ------------------------------------------------------------ pkt-lines
export const pkt = (data) => {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([Buffer.from((b.length + 4).toString(16).padStart(4, '0')), b]);
};
export const FLUSH = Buffer.from('0000');
export const DELIM = Buffer.from('0001');
export const cat = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

// Payloads of the pkt-lines in `buf` (band 1 of a side-band stream is unwrapped); stops at junk.
export function pktPayloads(buf) {
  const out = [];
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const len = parseInt(buf.subarray(pos, pos + 4).toString('latin1'), 16);
    if (!Number.isInteger(len) || Number.isNaN(len)) break;
    if (len < 4) {
      pos += 4;
      continue;
    }
    let payload = buf.subarray(pos + 4, pos + len);
    if (payload[0] === 1) out.push(...pktPayloads(payload.subarray(1)));
    else if (payload[0] !== 2 && payload[0] !== 3) out.push(payload.toString('latin1').replace(/\n$/, ''));
    else if (payload[0] === 3) out.push(`ERR ${payload.subarray(1).toString('latin1')}`);
    pos += len;
  }
  return out;
}

// A pack with no objects (valid header and trailer).
export function emptyPack() {
  const head = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  return cat(head, createHash('sha1').update(head).digest());
}
// Recomputes the trailer of a (modified) pack.
export function resealPack(pack) {
  const body = pack.subarray(0, pack.length - 20);
  return cat(body, createHash('sha1').update(body).digest());
}
export const randomId = () => createHash('sha1').update(String(Math.random())).digest('hex');

// ------------------------------------------------------------ raw HTTP
// One POST on its own connection (no keep-alive pool: a server closing an idle
// pooled socket must not fail the next test's request).
export function post(hh, name, token, service, body, headers = {}) {
  return new Promise((resolvePromise, reject) => {
    const req = request(new URL(`/git/default/${name}.git/${service}`, hh.url), {
      method: 'POST',
      agent: false,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': service === 'git-receive-pack' ? RECEIVE : UPLOAD, ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolvePromise({ status: res.statusCode, body: bytes, lines: pktPayloads(bytes), text: bytes.toString('latin1') });
      });
    });
    req.on('error', reject);
    req.end(typeof body === 'string' ? Buffer.from(body) : body);
  });
}
export const show = (res) => `HTTP ${res.status}: ${JSON.stringify(res.text.slice(0, 400))}`;

// How `res` rejected the request (a 4xx, an ERR packet, an unpack error and/or
// "ng <ref> ..."), or fails the test if it did not reject it clearly.
export function assertRejected(res, ref, label) {
  if (res.status >= 400 && res.status < 500) {
    assert.ok(res.text.trim().length > 0, `${label}: a 4xx with a message`);
    return `HTTP ${res.status} ${res.text.trim().slice(0, 120)}`;
  }
  assert.equal(res.status, 200, `${label}: a 4xx or a protocol-level error, got ${show(res)}`);
  const err = res.lines.find((l) => l.startsWith('ERR '));
  if (err) return err;
  if (ref !== undefined) {
    const ng = res.lines.find((l) => l.startsWith(`ng ${ref} `));
    assert.ok(ng, `${label}: expected "ng ${ref} <reason>", got ${show(res)}`);
    assert.ok(ng.length > `ng ${ref} `.length, `${label}: ng carries a reason`);
    return [res.lines.find((l) => l.startsWith('unpack ')), ng].filter(Boolean).join(' / ');
  }
  assert.fail(`${label}: no ERR packet in ${show(res)}`);
}


// ------------------------------------------------------------ hand-made packs
const TYPE = { commit: 1, tree: 2, blob: 3, tag: 4, refDelta: 7 };

function entryHeader(type, size) {
  const out = [];
  let c = (type << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    out.push(c | 0x80);
    c = size & 0x7f;
    size = Math.floor(size / 128);
  }
  out.push(c);
  return Buffer.from(out);
}

// entries: [{ type: 'blob'|..., data }] or [{ type: 'refDelta', base: hex, data: delta }].
export function packOf(entries) {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(entries.length, 8);
  const parts = [head];
  for (const e of entries) {
    parts.push(entryHeader(TYPE[e.type], e.data.length));
    if (e.type === 'refDelta') parts.push(Buffer.from(e.base, 'hex'));
    parts.push(deflateSync(e.data));
  }
  const body = Buffer.concat(parts);
  return cat(body, createHash('sha1').update(body).digest());
}

// The id git gives an object.
export const objectId = (type, data) =>
  createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest('hex');

// A delta against a base of `baseSize` bytes that copies all of it, then inserts `tail`.
export function copyAllDelta(baseSize, tail) {
  const out = [];
  const size = (v) => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
  };
  size(baseSize);
  size(baseSize + tail.length);
  for (let off = 0; off < baseSize; off += 0x10000) {
    const n = Math.min(0x10000, baseSize - off);
    let cmd = 0x80;
    const args = [];
    for (let i = 0; i < 4; i++) {
      const b = Math.floor(off / 2 ** (8 * i)) & 0xff;
      if (b) {
        cmd |= 1 << i;
        args.push(b);
      }
    }
    if (n !== 0x10000) {
      for (let i = 0; i < 3; i++) {
        const b = (n >> (8 * i)) & 0xff;
        if (b) {
          cmd |= 0x10 << i;
          args.push(b);
        }
      }
    }
    out.push(cmd, ...args);
  }
  const t = Buffer.from(tail);
  for (let i = 0; i < t.length; i += 0x7f) {
    const chunk = t.subarray(i, i + 0x7f);
    out.push(chunk.length, ...chunk);
  }
  return Buffer.from(out);
}
