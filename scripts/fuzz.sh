#!/usr/bin/env bash
# Fuzzes the core: builds every tests/fuzz/*_fuzz.cpp with clang-14 + libFuzzer
# + ASan/UBSan in build/fuzz and runs each for N seconds (default 20), seeded
# from tests/fuzz/corpus/<target>/ (read-only; new inputs go to
# build/fuzz/corpus/<target>/). One line per target; exits non-zero if any
# target crashes, hangs or leaks. Usage: scripts/fuzz.sh [seconds-per-target]
# Env: FUZZ_MAX_LEN (default 131072: room for a 65520-byte pkt-line and more).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECS="${1:-20}"
MAX_LEN="${FUZZ_MAX_LEN:-131072}"
BUILD=build/fuzz

# clang-14 and its runtimes (libclang-rt-14-dev ships libclang_rt.fuzzer); `setup.sh --test` installs them.
source "$ROOT/scripts/lib/apt.sh"
apt_install_missing clang-14 libclang-rt-14-dev || exit 1

mkdir -p "$BUILD/logs"
echo "[fuzz] building $BUILD"
if ! { CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -DOA_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
       cmake --build "$BUILD" --target oa_fuzz -j"$(nproc)"; } >"$BUILD/logs/build.log" 2>&1; then
  tail -40 "$BUILD/logs/build.log"
  echo "[fuzz] build failed (full log: $BUILD/logs/build.log)"
  exit 1
fi

failed=0
shopt -s nullglob
for src in tests/fuzz/*_fuzz.cpp; do
  name="$(basename "$src" .cpp)"
  corpus="$BUILD/corpus/$name" artifacts="$BUILD/artifacts/$name" log="$BUILD/logs/$name.log"
  mkdir -p "$corpus" "$artifacts"
  seeds=(); [[ -d tests/fuzz/corpus/$name ]] && seeds=("tests/fuzz/corpus/$name")
  dict=(); [[ -f tests/fuzz/$name.dict ]] && dict=("-dict=tests/fuzz/$name.dict")
  "$BUILD/fuzz/$name" "$corpus" "${seeds[@]}" "${dict[@]}" -max_total_time="$SECS" -rss_limit_mb=1024 \
    -max_len="$MAX_LEN" -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  statval() { grep -oE "^stat::$1: *[0-9]+" "$log" | grep -oE '[0-9]+$' | tail -1; }
  runs=$(statval number_of_executed_units) rate=$(statval average_exec_per_sec) rss=$(statval peak_rss_mb)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+')
  if ((rc == 0)); then
    echo "$name: ok, ${runs:-?} runs in ${SECS}s (${rate:-?}/s), cov ${cov:-?}, corpus $(ls "$corpus" | wc -l), peak ${rss:-?} MB"
  else
    failed=$((failed + 1))
    crash=$(ls -t "$artifacts" | head -1)
    echo "$name: FAILED (exit $rc) after ${runs:-?} runs; input: $artifacts/${crash:-?}; log: $log"
    grep -E -m1 -A8 "ERROR: |runtime error:|deadly signal|Timeout|out-of-memory" "$log" | cut -c1-160 | sed "s/^/    /"
  fi
done
((failed == 0))
