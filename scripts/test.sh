#!/usr/bin/env bash
# `npm test`: installs what is missing, builds both targets, runs every suite
# (GoogleTest via ctest, node:test over the wasm build incl. workerd, tsc type
# compatibility) and ends with one "N passed, N failed" line.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh --test || exit 1
bash scripts/build.sh || exit 1

passed=0
failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); }

echo "[test] set-up on a bare machine (scratch apt state: every package resolves, every source fetches)"
if bash scripts/check-setup.sh >build/check-setup.log 2>&1; then
  echo "  ok"
  count 1 0
else
  tail -20 build/check-setup.log
  count 0 1
fi

echo "[test] native (GoogleTest)"
ctest --test-dir build/native -j"$(nproc)" --output-on-failure >build/ctest.log 2>&1
summary=$(grep -E "tests passed, [0-9]+ tests failed out of" build/ctest.log | tail -1)
echo "  $summary"
if [[ $summary =~ ([0-9]+)\ tests\ failed\ out\ of\ ([0-9]+) ]]; then
  count $((BASH_REMATCH[2] - BASH_REMATCH[1])) "${BASH_REMATCH[1]}"
  ((BASH_REMATCH[1] == 0)) || grep -E -B2 -A20 "\*\*\*Failed|FAILED" build/ctest.log | head -80
else
  cat build/ctest.log | tail -40
  count 0 1
fi

echo "[test] JavaScript over wasm (node:test; no code generation from strings, as in Workers)"
node --disallow-code-generation-from-strings --test --test-reporter=spec tests/js/ >build/node-test.log 2>&1
node_pass=$(grep -E "^ℹ pass [0-9]+" build/node-test.log | grep -oE "[0-9]+" | tail -1)
node_fail=$(grep -E "^ℹ fail [0-9]+" build/node-test.log | grep -oE "[0-9]+" | tail -1)
echo "  pass ${node_pass:-0}, fail ${node_fail:-?}"
if [[ -z ${node_pass:-} || -z ${node_fail:-} ]]; then
  tail -40 build/node-test.log
  count 0 1
else
  count "$node_pass" "$node_fail"
  ((node_fail == 0)) || sed -n '/failing tests:/,$p' build/node-test.log | head -80
fi

echo "[test] types: compatibility with @cloudflare/workers-types, and per runtime (tsc --noEmit)"
for config in tests/types/tsconfig.json tests/types/tsconfig.node.json; do
  if npx --no-install tsc -p "$config"; then
    echo "  ok: $config"
    count 1 0
  else
    count 0 1
  fi
done

echo "[test] fuzzing (libFuzzer + ASan/UBSan, ${FUZZ_SECONDS:-10} s per target)"
if bash scripts/fuzz.sh "${FUZZ_SECONDS:-10}" >build/fuzz.log 2>&1; then
  fuzz_ok=$(grep -c ": ok," build/fuzz.log)
  grep ": ok," build/fuzz.log | sed 's/^/  /'
  count "$fuzz_ok" 0
else
  tail -40 build/fuzz.log
  count 0 1
fi

echo "$passed passed, $failed failed"
((failed == 0))
