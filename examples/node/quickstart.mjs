// The Artifacts binding, run locally with no account: create a repo, mint and
// revoke tokens, list, and show what a bad input looks like.
import { createArtifacts, MemoryStorage, ArtifactsError } from 'open-artifacts';

const artifacts = createArtifacts({ storage: new MemoryStorage(), namespace: 'default', baseUrl: 'http://127.0.0.1:8788' });

const created = await artifacts.create('starter-repo', { description: 'created by npm start' });
console.log('create() ->', created);

const repo = await artifacts.get('starter-repo');
console.log('info() ->', await repo.info());

const readToken = await repo.createToken('read', 3600);
console.log('createToken("read", 3600) ->', readToken);
console.log('listTokens() ->', await repo.listTokens());
console.log('revokeToken(id) ->', await repo.revokeToken(readToken.id));

await artifacts.create('second-repo');
console.log('list({limit: 1}) ->', await artifacts.list({ limit: 1 }));

try {
  await artifacts.create('not a valid name');
} catch (e) {
  if (!(e instanceof ArtifactsError)) throw e;
  console.log(`bad input -> ArtifactsError ${e.code} (${e.numericCode}): ${e.message}`);
}

console.log('\nFor the git server, run `npm start` and follow what it prints.');
