// examples/worker (the Workers binding docs' example, written only against
// @cloudflare/workers-types) runs UNCHANGED in real workerd with env.ARTIFACTS
// bound to our object: examples/worker/local/run.mjs compiles its src/index.ts
// with ts.transpileModule into a temp dir, generates a workerd config, and
// examples/worker/local/wrapper.mjs hands the example
// `{ ...env, ARTIFACTS: createArtifacts(...) }`. Real git clients push and list
// refs with the tokens the example returns (the checks are in
// example-worker-cases.mjs; workerd_binding.test.mjs runs them against the
// Worker entry's service binding too).
import { startExampleWorker } from '../../examples/worker/local/run.mjs';
import { exampleWorkerCases } from './example-worker-cases.mjs';

exampleWorkerCases({
  start: async () => {
    const worker = await startExampleWorker();
    return { ...worker, gitBase: worker.url };
  },
});
