// A small in-memory file system with the promise API isomorphic-git needs
// (readFile, writeFile, mkdir, rmdir, unlink, stat, lstat, readdir, readlink,
// symlink). The page's working copies live here only while a commit is made:
// nothing is written to disk or browser storage, so a reload starts clean.

const fsError = (code, path) => Object.assign(new Error(`${code}: ${path}`), { code, path });

const MODE = { dir: 0o040000, file: 0o100644, symlink: 0o120000 };

let nextIno = 1;
const newNode = (type, props = {}) => ({ type, ino: nextIno++, mtimeMs: Date.now(), mode: MODE[type], ...props });

function parts(path) {
  if (typeof path !== 'string' || !path.startsWith('/')) throw fsError('EINVAL', path);
  const out = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

function stats(node) {
  const size = node.type === 'file' ? node.data.length : node.type === 'symlink' ? node.target.length : 0;
  return {
    type: node.type,
    mode: node.mode,
    size,
    ino: node.ino,
    dev: 1,
    uid: 1,
    gid: 1,
    mtimeMs: node.mtimeMs,
    ctimeMs: node.mtimeMs,
    isFile: () => node.type === 'file',
    isDirectory: () => node.type === 'dir',
    isSymbolicLink: () => node.type === 'symlink',
  };
}

export class MemoryFs {
  #root = newNode('dir', { children: new Map() });

  // The directory holding `path` and the last name; ENOENT/ENOTDIR on the way.
  #parent(path) {
    const names = parts(path);
    if (names.length === 0) throw fsError('EPERM', path);
    let dir = this.#root;
    for (const name of names.slice(0, -1)) {
      const next = dir.children.get(name);
      if (!next) throw fsError('ENOENT', path);
      if (next.type !== 'dir') throw fsError('ENOTDIR', path);
      dir = next;
    }
    return { dir, name: names[names.length - 1] };
  }

  #node(path) {
    if (parts(path).length === 0) return this.#root;
    const { dir, name } = this.#parent(path);
    const node = dir.children.get(name);
    if (!node) throw fsError('ENOENT', path);
    return node;
  }

  async readFile(path, options) {
    const node = this.#node(path);
    if (node.type === 'dir') throw fsError('EISDIR', path);
    if (node.type !== 'file') throw fsError('EINVAL', path);
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding ? new TextDecoder().decode(node.data) : node.data.slice();
  }

  async writeFile(path, data, options) {
    const { dir, name } = this.#parent(path);
    const existing = dir.children.get(name);
    if (existing?.type === 'dir') throw fsError('EISDIR', path);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data);
    const executable = ((typeof options === 'object' && options?.mode) || 0) & 0o111;
    dir.children.set(name, newNode('file', { data: bytes, mode: executable ? 0o100755 : MODE.file }));
  }

  async mkdir(path) {
    const { dir, name } = this.#parent(path);
    if (dir.children.has(name)) throw fsError('EEXIST', path);
    dir.children.set(name, newNode('dir', { children: new Map() }));
  }

  async rmdir(path) {
    const { dir, name } = this.#parent(path);
    const node = dir.children.get(name);
    if (!node) throw fsError('ENOENT', path);
    if (node.type !== 'dir') throw fsError('ENOTDIR', path);
    if (node.children.size > 0) throw fsError('ENOTEMPTY', path);
    dir.children.delete(name);
  }

  async unlink(path) {
    const { dir, name } = this.#parent(path);
    const node = dir.children.get(name);
    if (!node) throw fsError('ENOENT', path);
    if (node.type === 'dir') throw fsError('EISDIR', path);
    dir.children.delete(name);
  }

  async readdir(path) {
    const node = this.#node(path);
    if (node.type !== 'dir') throw fsError('ENOTDIR', path);
    return [...node.children.keys()].sort();
  }

  async lstat(path) {
    return stats(this.#node(path));
  }

  // Follows one symbolic link (enough for a working copy's links to files).
  async stat(path) {
    const node = this.#node(path);
    if (node.type !== 'symlink') return stats(node);
    const target = node.target.startsWith('/') ? node.target : `${path}/../${node.target}`;
    return stats(this.#node(target));
  }

  async readlink(path) {
    const node = this.#node(path);
    if (node.type !== 'symlink') throw fsError('EINVAL', path);
    return node.target;
  }

  async symlink(target, path) {
    const { dir, name } = this.#parent(path);
    if (dir.children.has(name)) throw fsError('EEXIST', path);
    dir.children.set(name, newNode('symlink', { target }));
  }
}
