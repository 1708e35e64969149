// Values as they arrived over RPC, tagged for JSON (binding-client.mjs sends
// them to the test; the test tags in-process values the same way to compare):
// {$undefined}, {$bytes: base64, ctor}, {$blob: {type, size, base64, ctor}},
// {$date}, {$stub: typeof}, {$bigint}, {$error: describeError(e)}, and objects
// that are not plain carry {$ctor}. decode() turns tagged args back into values.
export const b64 = (bytes) => {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
};
export const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export function describeError(e) {
  if (!(e instanceof Error)) return { notAnError: String(e) };
  return {
    name: e.name,
    message: e.message,
    code: e.code,
    numericCode: e.numericCode,
    ctor: e.constructor?.name,
    remote: e.remote,
    ownKeys: Object.keys(e).sort(),
    pointer: e.pointer,
    httpStatus: e.httpStatus,
  };
}

export async function encode(value) {
  if (value === undefined) return { $undefined: true };
  if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'function') return { $stub: typeof value };
  if (typeof value === 'bigint') return { $bigint: String(value) };
  if (value instanceof Blob) {
    const bytes = new Uint8Array(await value.arrayBuffer());
    return { $blob: { type: value.type, size: value.size, base64: b64(bytes), ctor: value.constructor.name } };
  }
  if (value instanceof ArrayBuffer) return { $bytes: b64(new Uint8Array(value)), ctor: 'ArrayBuffer' };
  if (ArrayBuffer.isView(value)) return { $bytes: b64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)), ctor: value.constructor.name };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (value instanceof Error) return { $error: describeError(value) };
  if (Array.isArray(value)) return Promise.all(value.map(encode));
  const out = {};
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) out.$ctor = value.constructor?.name ?? String(proto);
  for (const [k, v] of Object.entries(value)) out[k] = await encode(v);
  return out;
}

export function decode(value) {
  if (Array.isArray(value)) return value.map(decode);
  if (value === null || typeof value !== 'object') return value;
  if (value.$undefined) return undefined;
  if ('$bytes' in value) return unb64(value.$bytes);
  if ('$blob' in value) return new Blob([unb64(value.$blob.base64)], { type: value.$blob.type });
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
}

// fn()'s value or error, tagged: { ok } or { error }.
export async function settle(fn) {
  try {
    return { ok: await encode(await fn()) };
  } catch (e) {
    return { error: describeError(e) };
  }
}
