#!/usr/bin/env bash
# Build static wasm32 (Emscripten) zlib, http-parser and libgit2 from Debian bookworm sources.
# Output: build/wasm-deps/{lib/libz.a,lib/libhttp_parser.a,lib/libgit2.a,include/...}
# Recipe and rationale: /work/shared/notes/toolchain.md (Steps 2-3). Env: LG2_BUILD_TYPE (default Release).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TP="${OA_THIRD_PARTY_DIR:-$ROOT/build/third_party}"
D="$ROOT/build/wasm-deps"
WORK="$ROOT/build/wasm-deps-work"
LOG="${OA_APT_SCRATCH:+$OA_APT_SCRATCH/wasm-deps.log}"; LOG="${LOG:-$ROOT/build/wasm-deps.log}"
BUILD_TYPE="${LG2_BUILD_TYPE:-Release}"
# Pinned bookworm source versions. The bookworm-security libgit2 (deb12u2) source 404s on the mirror.
LG2_VER="1.5.1+ds-1+deb12u1"; ZLIB_VER="1:1.2.13.dfsg-1"; HP_VER="2.9.4-5"
LG2_SRC="$TP/libgit2-1.5.1+ds"; ZLIB_SRC="$TP/zlib-1.2.13.dfsg"; HP_SRC="$TP/http-parser-2.9.4"
# emcc's acorn-optimizer needs Debian's node-acorn; nodesource's node doesn't search /usr/share/nodejs.
# EM_CACHE is deliberately left unset: Debian ships a frozen prebuilt cache and a custom one breaks emcc.
export NODE_PATH=/usr/share/nodejs

stamp() {  # the emscripten package version is in the stamp so a toolchain upgrade forces a rebuild
  local em; em="$(dpkg-query -W -f='${Version}' emscripten 2>/dev/null || echo none)"
  echo "libgit2=$LG2_VER zlib=$ZLIB_VER http-parser=$HP_VER emscripten=$em buildtype=$BUILD_TYPE"
}
libs_present() { [[ -f $D/lib/libz.a && -f $D/lib/libhttp_parser.a && -f $D/lib/libgit2.a ]]; }

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
fetch libgit2 "$LG2_VER" "$LG2_SRC"; fetch zlib "$ZLIB_VER" "$ZLIB_SRC"; fetch http-parser "$HP_VER" "$HP_SRC"
[[ -n $OA_APT_SCRATCH ]] && { log "sources fetched into $TP (scratch apt state: not building)"; exit 0; }

# 2. Build from clean output dirs so a changed build type never mixes objects.
case "$BUILD_TYPE" in   # zlib/http-parser get the same -O level as libgit2's CMake build type
  Release) OPT=(-O3) ;; MinSizeRel) OPT=(-Os) ;; RelWithDebInfo) OPT=(-O2 -g) ;; Debug) OPT=(-O0 -g) ;;
  *) echo "[wasm-deps] unknown LG2_BUILD_TYPE=$BUILD_TYPE" >&2; exit 1 ;;
esac
JOBS="$(nproc)"
rm -rf "$D" "$WORK"; mkdir -p "$D/lib" "$D/include" "$WORK/obj"

log "building zlib + http-parser"
# Debian's zlib build system isn't emcc-friendly; the plain library sources are all we need.
ZSRCS=(adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil)
run bash -c 'printf "%s\n" "${@:4}" | xargs -P "$1" -I{} emcc $2 -DHAVE_UNISTD_H -c "$3/{}.c" -o "$0/{}.o"' \
  "$WORK/obj" "$JOBS" "${OPT[*]}" "$ZLIB_SRC" "${ZSRCS[@]}"
run emar rcs "$D/lib/libz.a" "$WORK"/obj/*.o
run emcc "${OPT[@]}" -c "$HP_SRC/http_parser.c" -o "$WORK/http_parser.o"
run emar rcs "$D/lib/libhttp_parser.a" "$WORK/http_parser.o"
cp "$ZLIB_SRC/zlib.h" "$ZLIB_SRC/zconf.h" "$HP_SRC/http_parser.h" "$D/include/"

log "building libgit2 (about 1-2 minutes)"
# The +ds tarball has no deps/, so zlib/http-parser must be "system" ones passed as explicit
# paths (the emscripten toolchain confines find_* to its sysroot). -Wno-incompatible-pointer-types
# silences ~240 benign size_t/unsigned warnings (both 32-bit on wasm32).
run emcmake cmake -S "$LG2_SRC" -B "$WORK/lg2" -Wno-dev \
  -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DCMAKE_C_FLAGS="-Wno-incompatible-pointer-types" \
  -DBUILD_SHARED_LIBS=OFF -DBUILD_TESTS=OFF -DBUILD_CLI=OFF -DBUILD_EXAMPLES=OFF -DBUILD_FUZZERS=OFF \
  -DUSE_THREADS=OFF -DUSE_HTTPS=OFF -DUSE_SSH=OFF -DUSE_GSSAPI=OFF -DUSE_NTLMCLIENT=OFF \
  -DUSE_ICONV=OFF -DUSE_NSEC=OFF -DUSE_SHA1=CollisionDetection -DUSE_SHA256=Builtin -DREGEX_BACKEND=regcomp \
  -DUSE_HTTP_PARSER=system -DHTTP_PARSER_INCLUDE_DIR="$D/include" -DHTTP_PARSER_LIBRARY="$D/lib/libhttp_parser.a" \
  -DUSE_BUNDLED_ZLIB=OFF -DZLIB_INCLUDE_DIR="$D/include" -DZLIB_LIBRARY="$D/lib/libz.a"
run emmake make -C "$WORK/lg2" -j"$JOBS" libgit2package   # 1.5's static-lib target; produces libgit2.a
cp "$WORK/lg2/libgit2.a" "$D/lib/"
cp -R "$LG2_SRC/include/." "$D/include/"   # git2.h, git2/*.h, git2/sys/*.h

libs_present
stamp >"$D/.stamp"   # written last: a failed or interrupted run never looks up to date
log "done in ${SECONDS}s: $D (log: $LOG)"
