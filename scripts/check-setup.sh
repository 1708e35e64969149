#!/usr/bin/env bash
# Replays a bare machine's set-up on this one: scripts/setup.sh --test runs against an empty scratch
# apt state (the machine's `deb` entries only: no deb-src entries, no package lists, nothing
# installed). Every package must resolve from the mirrors (simulated install) and the two Debian
# source packages must download and unpack, in ONE run. Touches nothing outside the scratch folder.
# Run by `npm test`; about a minute (package and source indices, two source tarballs).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$(mktemp -d /tmp/oa-setup-check.XXXXXX)"
trap 'rm -rf "$SCRATCH"' EXIT
mkdir -p "$SCRATCH/sources.list.d" "$SCRATCH/lists/partial" "$SCRATCH/cache/archives/partial" "$SCRATCH/src"
: >"$SCRATCH/status"
for f in /etc/apt/sources.list.d/*.sources; do   # the machine's binary entries only
  grep -q '^Types:.*deb-src' "$f" || cp "$f" "$SCRATCH/sources.list.d/"
done
ls "$SCRATCH"/sources.list.d/*.sources >/dev/null 2>&1 || { echo "[check-setup] no deb822 sources to start from" >&2; exit 1; }

OA_APT_SCRATCH="$SCRATCH" OA_THIRD_PARTY_DIR="$SCRATCH/src" OA_APT_LOG="$SCRATCH/apt.log" \
  bash "$ROOT/scripts/setup.sh" --test || { tail -30 "$SCRATCH/apt.log" "$SCRATCH/wasm-deps.log" 2>/dev/null; exit 1; }

for d in libgit2-1.5.1+ds zlib-1.2.13.dfsg; do
  [[ -d $SCRATCH/src/$d ]] || { echo "[check-setup] $d was not unpacked" >&2; exit 1; }
done
for p in emscripten chromium; do
  grep -q "^Inst $p " "$SCRATCH/apt.log" || { echo "[check-setup] $p did not resolve" >&2; exit 1; }
done
echo "[check-setup] ok: a bare machine resolves every package and fetches every source in one run"
