// Commits files to a repo with isomorphic-git, as any git client would:
// fetch the branch (if it exists), write the files into a throwaway
// in-memory working copy, commit, push. Every git request goes to the
// in-page server through the http plugin (git-http.js).
import { MemoryFs } from './memory-fs.js';

const DIR = '/work';

// Parent directories of `path` inside DIR (isomorphic-git writes files, not folders).
async function writeWithParents(fs, path, bytes) {
  const names = path.split('/');
  let dir = DIR;
  for (const name of names.slice(0, -1)) {
    dir += `/${name}`;
    await fs.mkdir(dir).catch((e) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  await fs.writeFile(`${DIR}/${path}`, bytes);
}

// files: [{ path, bytes: Uint8Array }]; branchExists: whether the remote has `branch` already.
// Resolves to the new commit's id; a refused push throws with the server's reason.
export async function commitFiles({ git, http, url, token, branch, branchExists, files, message, author }) {
  const fs = new MemoryFs();
  const onAuth = () => ({ username: 'x', password: token });
  await git.init({ fs, dir: DIR, defaultBranch: branch });
  await git.addRemote({ fs, dir: DIR, remote: 'origin', url });
  if (branchExists) {
    await git.fetch({ fs, http, dir: DIR, remote: 'origin', ref: branch, singleBranch: true, depth: 1, tags: false, onAuth });
    await git.checkout({ fs, dir: DIR, ref: branch, remote: 'origin' });
  }
  for (const { path, bytes } of files) {
    await writeWithParents(fs, path, bytes);
    await git.add({ fs, dir: DIR, filepath: path });
  }
  const oid = await git.commit({ fs, dir: DIR, message, author });
  const result = await git.push({ fs, http, dir: DIR, remote: 'origin', ref: branch, onAuth });
  if (!result.ok) {
    const reasons = Object.entries(result.refs ?? {}).map(([ref, r]) => `${ref}: ${r.error}`);
    throw new Error(`push refused: ${result.error ?? reasons.join('; ')}`);
  }
  return oid;
}
