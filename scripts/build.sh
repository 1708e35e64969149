#!/usr/bin/env bash
# Builds the core natively (tests) and to WebAssembly (js/dist/). Incremental.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export NODE_PATH=/usr/share/nodejs  # emcc's optimizer needs Debian's acorn
JOBS=$(nproc)
mkdir -p build

# Builds a configured tree; on failure shows the errors from its log.
run_build() {
  if ! cmake --build "$1" -j"$JOBS" >"build/$2.log" 2>&1; then
    grep -E -A4 "error|Error" "build/$2.log" | head -60
    echo "[build] failed: see build/$2.log" >&2
    exit 1
  fi
  grep -E "warning:" "build/$2.log" | sort -u | head -20 || true
}

echo "[build] native core and tests"
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release >build/native-configure.log 2>&1 ||
  { tail -30 build/native-configure.log; exit 1; }
run_build build/native native-build

echo "[build] wasm core -> js/dist/"
if [[ ! -f build/wasm/CMakeCache.txt ]]; then
  emcmake cmake -S . -B build/wasm -DOA_WASM_DEPS="$ROOT/build/wasm-deps" >build/wasm-configure.log 2>&1 ||
    { tail -30 build/wasm-configure.log; exit 1; }
fi
run_build build/wasm wasm-build
