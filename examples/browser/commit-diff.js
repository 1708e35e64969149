// What a commit changed against its first parent (or against nothing, for a
// root commit), read through the content API (readCommit, readTree,
// readBlob): the changed paths, and a line diff for each text file.
import { diffLines, hunks } from './diff.js';

const MAX_FILES = 200; // changed paths listed at most
const MAX_TEXT_BYTES = 256 * 1024; // larger files are summarised, not diffed

// Every blob-like entry below a tree as path -> { hash, mode }, walking only
// the subtrees whose hash differs from the other side.
async function changedPaths(repo, oldTree, newTree, prefix = '', out = []) {
  const entries = async (hash) => new Map((hash ? await repo.readTree(hash) : []).map((e) => [e.name, e]));
  const [before, after] = await Promise.all([entries(oldTree), entries(newTree)]);
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  for (const name of names) {
    if (out.length >= MAX_FILES) break;
    const a = before.get(name);
    const b = after.get(name);
    if (a && b && a.hash === b.hash && a.mode === b.mode) continue;
    const path = prefix + name;
    const aTree = a?.type === 'tree' ? a.hash : null;
    const bTree = b?.type === 'tree' ? b.hash : null;
    if (aTree || bTree) await changedPaths(repo, aTree, bTree, `${path}/`, out);
    const aFile = a && a.type !== 'tree' ? a : null;
    const bFile = b && b.type !== 'tree' ? b : null;
    if (aFile || bFile) {
      const status = !aFile ? 'added' : !bFile ? 'deleted' : 'modified';
      out.push({ path, status, oldHash: aFile?.hash ?? null, newHash: bFile?.hash ?? null, modeChange: aFile && bFile && aFile.mode !== bFile.mode ? `${aFile.mode} → ${bFile.mode}` : null });
    }
  }
  return out;
}

// The blob's text, or null when it is binary (a NUL byte, invalid UTF-8) or too large.
async function readText(repo, hash) {
  if (!hash) return '';
  const blob = await repo.readBlob(hash);
  if (!blob || blob.size > MAX_TEXT_BYTES) return null;
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (bytes.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

// { parent, files: [{ path, status, hunks | binary: true, truncated }], more }
export async function commitDiff(repo, commit) {
  const parentHash = commit.parents[0] ?? null;
  const parent = parentHash ? await repo.readCommit(parentHash) : null;
  const files = await changedPaths(repo, parent?.treeHash ?? null, commit.treeHash);
  for (const file of files) {
    const [before, after] = await Promise.all([readText(repo, file.oldHash), readText(repo, file.newHash)]);
    if (before === null || after === null) {
      file.binary = true;
      continue;
    }
    const { lines, truncated } = diffLines(before, after);
    file.hunks = hunks(lines);
    file.truncated = truncated;
    file.added = lines.filter((l) => l.op === '+').length;
    file.removed = lines.filter((l) => l.op === '-').length;
  }
  return { parent: parentHash, files, more: files.length >= MAX_FILES };
}
