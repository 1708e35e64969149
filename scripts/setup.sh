#!/usr/bin/env bash
# Installs what building (and, with --test, testing) needs, idempotently, on a bare Debian bookworm
# machine: Debian packages (as root), the wasm libraries (build-wasm-deps.sh: zlib and libgit2's
# SHA1DC from Debian's source packages, built with emcc), and the npm packages.
#
#   setup.sh           what `npm start` needs
#   setup.sh --test    plus what only the tests need (clang's libFuzzer runtime; Chromium for the
#                      browser demo's test, driven by playwright-core from npm: Playwright's own
#                      browser download is not used)
#
# With OA_APT_SCRATCH=<dir> every apt step runs against that scratch apt state and installs nothing
# (scripts/check-setup.sh: the bare-machine path, replayed on any machine).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p build
export OA_APT_LOG="${OA_APT_LOG:-$ROOT/build/setup-apt.log}"
source "$ROOT/scripts/lib/apt.sh"

# Native build and tests; node-gyp (better-sqlite3) needs python3, make and g++.
APT_PACKAGES=(cmake g++ make pkg-config git python3 zlib1g-dev libgit2-dev nlohmann-json3-dev libgtest-dev
              emscripten dpkg-dev)   # the wasm build: emcc, and dpkg-source for `apt-get source`
[[ ${1:-} == --test ]] && APT_PACKAGES+=(clang-14 libclang-rt-14-dev chromium)
apt_install_missing "${APT_PACKAGES[@]}"

bash "$ROOT/scripts/build-wasm-deps.sh"
[[ -n $OA_APT_SCRATCH ]] && exit 0   # the check stops at the apt path

# npm packages: reinstall only when package-lock.json changed. better-sqlite3
# compiles itself with node-gyp (its prebuilt download can't be fetched here;
# package.json "allowScripts" lets npm 11 run that install script). node-gyp
# would download Node's headers too, so point it at the installed ones.
if [[ -z ${npm_config_nodedir:-} && $(npm config get nodedir 2>/dev/null) =~ ^(undefined|null|)$ ]]; then
  node_prefix="$(dirname "$(dirname "$(command -v node)")")"
  [[ -f $node_prefix/include/node/node.h ]] && export npm_config_nodedir="$node_prefix"
fi
sqlite_loads() { node -e 'new (require("better-sqlite3"))(":memory:").close()' >/dev/null 2>&1; }
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.lock-hash || $(cat node_modules/.lock-hash) != "$lock_hash" ]] || ! sqlite_loads; then
  echo "[setup] npm ci (builds better-sqlite3 from source: about 2 minutes)"
  npm ci --no-audit --no-fund --loglevel=error
  if ! sqlite_loads; then
    # An optional dependency of the package, but the tests need it. npm drops
    # an optional package whose install script failed: install it again then.
    echo "[setup] better-sqlite3 did not build; its install log:" >&2
    if [[ -d node_modules/better-sqlite3 ]]; then
      npm rebuild better-sqlite3 --foreground-scripts >&2 || true
    else
      npm install --no-save --no-audit --no-fund --foreground-scripts \
        "better-sqlite3@$(node -p 'require("./package-lock.json").packages["node_modules/better-sqlite3"].version')" >&2 || true
    fi
    sqlite_loads || { echo "[setup] better-sqlite3 still does not load (needs python3, make, g++)" >&2; exit 1; }
  fi
  echo "$lock_hash" > node_modules/.lock-hash
fi
