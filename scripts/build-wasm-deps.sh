#!/usr/bin/env bash
# Build the static wasm32 (Emscripten) libraries the core links, from Debian bookworm sources:
# zlib, and libgit2's collision-detecting SHA-1 (SHA1DC, src/util/hash/sha1dc/) with libgit2's headers.
# The core uses nothing else of libgit2 (git/format/sha1.cpp, base/version.cpp), so the rest of
# libgit2 and http-parser are not built: linked, they were about 190 KB of the wasm module.
# Output: build/wasm-deps/{lib/libz.a,lib/libsha1dc.a,include/{zlib.h,zconf.h,sha1dc/sha1.h,git2/...}}
# Recipe and rationale: /work/shared/notes/toolchain.md (Steps 2-3).
# Env: OA_WASM_DEPS_OPT (default -O3): both libraries are hot paths (inflate/deflate, object ids).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TP="${OA_THIRD_PARTY_DIR:-$ROOT/build/third_party}"
D="$ROOT/build/wasm-deps"
WORK="$ROOT/build/wasm-deps-work"
LOG="${OA_APT_SCRATCH:+$OA_APT_SCRATCH/wasm-deps.log}"; LOG="${LOG:-$ROOT/build/wasm-deps.log}"
OPT_FLAGS="${OA_WASM_DEPS_OPT:--O3}"
# Pinned bookworm source versions. The bookworm-security libgit2 (deb12u2) source 404s on the mirror.
LG2_VER="1.5.1+ds-1+deb12u1"; ZLIB_VER="1:1.2.13.dfsg-1"
LG2_SRC="$TP/libgit2-1.5.1+ds"; ZLIB_SRC="$TP/zlib-1.2.13.dfsg"
# emcc's acorn-optimizer needs Debian's node-acorn; nodesource's node doesn't search /usr/share/nodejs.
# EM_CACHE is deliberately left unset: Debian ships a frozen prebuilt cache and a custom one breaks emcc.
export NODE_PATH=/usr/share/nodejs

stamp() {  # the emscripten package version is in the stamp so a toolchain upgrade forces a rebuild
  local em; em="$(dpkg-query -W -f='${Version}' emscripten 2>/dev/null || echo none)"
  echo "libgit2-sha1dc=$LG2_VER zlib=$ZLIB_VER emscripten=$em opt=$OPT_FLAGS"
}
libs_present() { [[ -f $D/lib/libz.a && -f $D/lib/libsha1dc.a && -f $D/include/git2/version.h ]]; }

# Fast path: nothing to do when the stamp matches and the libs are there.
if [[ -z ${OA_APT_SCRATCH:-} && -f $D/.stamp && "$(cat "$D/.stamp")" == "$(stamp)" ]] && libs_present; then
  echo "wasm deps up to date"; exit 0
fi

mkdir -p "$ROOT/build" "$TP"
exec 9>"$ROOT/build/.wasm-deps.lock"; flock 9   # don't let two concurrent runs clobber each other
: >"$LOG"
export OA_APT_LOG="$LOG"
source "$ROOT/scripts/lib/apt.sh"
log() { echo "[wasm-deps] $*"; }
run() {  # run a command with its output in the log; on failure show the log tail and stop
  echo "== [t=${SECONDS}s] $*" >>"$LOG"
  "$@" >>"$LOG" 2>&1 || { echo "[wasm-deps] FAILED: ${*:1:3} ... (log: $LOG)" >&2; tail -n 40 "$LOG" >&2; exit 1; }
}
# The toolchain (emscripten, dpkg-dev) is installed by setup.sh.
if [[ -z $OA_APT_SCRATCH ]]; then
  for tool in emcc dpkg-source cmake; do
    command -v $tool >/dev/null || { echo "[wasm-deps] $tool is missing: run scripts/setup.sh" >&2; exit 1; }
  done
fi

# 1. Sources (skipped per package once unpacked).
fetch() {  # $1=pkg $2=version $3=unpacked dir; unpack in a temp dir and move, so an interrupted fetch leaves no half tree
  [[ -d $3 ]] && return 0
  apt_ensure_source_version "$1" "$2"
  log "apt-get source $1=$2"
  local tmp="$TP/.fetch-$1"; rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$tmp" && run apt_cmd apt-get source "$1=$2")   # "unsandboxed as root" warning is harmless
  mv "$tmp/$(basename "$3")" "$3"; mv "$tmp"/* "$TP"/ 2>/dev/null || true; rm -rf "$tmp"
}
fetch libgit2 "$LG2_VER" "$LG2_SRC"; fetch zlib "$ZLIB_VER" "$ZLIB_SRC"
[[ -n $OA_APT_SCRATCH ]] && { log "sources fetched into $TP (scratch apt state: not building)"; exit 0; }

# 2. Build from clean output dirs so changed flags never mix objects.
read -r -a OPT <<<"$OPT_FLAGS"
JOBS="$(nproc)"
rm -rf "$D" "$WORK"; mkdir -p "$D/lib" "$D/include/sha1dc" "$WORK/obj" "$WORK/sha1dc"

log "building zlib + SHA1DC"
# Debian's zlib build system isn't emcc-friendly; the plain library sources are all we need.
ZSRCS=(adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil)
run bash -c 'printf "%s\n" "${@:4}" | xargs -P "$1" -I{} emcc $2 -DHAVE_UNISTD_H -c "$3/{}.c" -o "$0/{}.o"' \
  "$WORK/obj" "$JOBS" "${OPT[*]}" "$ZLIB_SRC" "${ZSRCS[@]}"
run emar rcs "$D/lib/libz.a" "$WORK"/obj/*.o
cp "$ZLIB_SRC/zlib.h" "$ZLIB_SRC/zconf.h" "$D/include/"
# SHA1DC as libgit2 1.5 builds it (USE_SHA1=CollisionDetection), with its own standard includes
# instead of libgit2's git2_util.h (SHA1DC_NO_STANDARD_INCLUDES/SHA1DC_CUSTOM_INCLUDE_* unset).
SHA1DC="$LG2_SRC/src/util/hash/sha1dc"
for f in sha1 ubc_check; do run emcc "${OPT[@]}" -c "$SHA1DC/$f.c" -o "$WORK/sha1dc/$f.o"; done
run emar rcs "$D/lib/libsha1dc.a" "$WORK"/sha1dc/*.o
cp "$SHA1DC/sha1.h" "$D/include/sha1dc/"
cp -R "$LG2_SRC/include/." "$D/include/"   # git2.h, git2/*.h (git2/version.h: the version reported)

libs_present
stamp >"$D/.stamp"   # written last: a failed or interrupted run never looks up to date
log "done in ${SECONDS}s: $D (log: $LOG)"
