// One of the two processes of storage_contract.test.mjs: at `startAt` (ms since
// the epoch) creates r0..r<n-1>, then, once both processes are done creating,
// deletes them, in the SQLite file under `dir`, and prints what each call
// answered as JSON.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createArtifacts, SqliteStorage } from 'open-artifacts';

const [dir, n, startAt] = process.argv.slice(2);
const storage = new SqliteStorage(dir);
const artifacts = createArtifacts({ storage });
await artifacts.list(); // loads the core before the start line
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const created = [];
for (let i = 0; i < Number(n); i++) {
  try {
    await artifacts.create(`r${i}`);
    created.push('ok');
  } catch (e) {
    created.push(e.code ?? String(e));
  }
}
// Both finish creating before either deletes (or a name deleted early could be created twice, rightly).
writeFileSync(join(dir, `created-${process.pid}`), '');
while (readdirSync(dir).filter((f) => f.startsWith('created-')).length < 2) await new Promise((r) => setTimeout(r, 10));
const deleted = [];
for (let i = 0; i < Number(n); i++) deleted.push(await artifacts.delete(`r${i}`));
storage.close();
process.stdout.write(JSON.stringify({ created, deleted }));
